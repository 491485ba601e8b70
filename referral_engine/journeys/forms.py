"""Forms of the journey pages. They parse input only; the services decide what is allowed."""

from django import forms
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from referral_engine.journeys.models import OFFSET_MAX, OFFSET_MIN, StepAction, StepWho, Trigger


class JourneyPlanForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120, widget=UnfoldAdminTextInputWidget)
    trigger = forms.ChoiceField(label="When", choices=Trigger.choices, widget=UnfoldAdminSelectWidget)
    is_active = forms.BooleanField(label="Active", required=False, widget=UnfoldBooleanWidget)
    description = forms.CharField(
        label="Description", max_length=300, required=False, widget=UnfoldAdminTextInputWidget
    )
    holidays = forms.CharField(
        label="Holiday dates",
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="For a holidays plan: one date a line, MM-DD for every year (12-24) or YYYY-MM-DD for one year.",
    )


class JourneyStepForm(forms.Form):
    offset_days = forms.IntegerField(
        label="Days after the moment",
        min_value=OFFSET_MIN,
        max_value=OFFSET_MAX,
        widget=UnfoldAdminIntegerFieldWidget(attrs={"inputmode": "numeric"}),
        help_text="Negative: before it (a birthday card posted three days ahead is -3).",
    )
    action = forms.ChoiceField(label="Action", choices=StepAction.choices, widget=UnfoldAdminSelectWidget)
    title = forms.CharField(label="What to do", max_length=120, widget=UnfoldAdminTextInputWidget)
    script = forms.CharField(
        label="Script", max_length=2000, required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3})
    )
    who = forms.ChoiceField(label="Who", choices=StepWho.choices, widget=UnfoldAdminSelectWidget)


class ReminderSettingsForm(forms.Form):
    escalate_after_working_days = forms.IntegerField(
        label="Escalate after (working days overdue)",
        min_value=1,
        max_value=30,
        widget=UnfoldAdminIntegerFieldWidget(attrs={"inputmode": "numeric"}),
    )
    digest_hour = forms.IntegerField(
        label="Daily digest from (local hour)",
        min_value=0,
        max_value=23,
        widget=UnfoldAdminIntegerFieldWidget(attrs={"inputmode": "numeric"}),
    )
    digest_on_weekends = forms.BooleanField(
        label="Digests on weekends too", required=False, widget=UnfoldBooleanWidget
    )
