"""Forms of the asking pages. They parse input only; the services decide what is allowed."""

from django import forms
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from referral_engine.asking.models import SEGMENT_KEYS, ReferralProfile

SEGMENT_CHOICES = [(key, key.replace("_", " ").capitalize()) for key in SEGMENT_KEYS]
NUMBERS = (
    "min_rq",
    "success_within_days",
    "not_asked_days",
    "min_days_between_asks",
    "max_asks_per_employee_week",
    "list_size",
    "support_window_hours",
    "two_way_days",
)


class ReferralProfileForm(forms.ModelForm):
    segments = forms.MultipleChoiceField(
        label="Value segments that qualify",
        choices=SEGMENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any account.",
    )

    class Meta:
        model = ReferralProfile
        fields = ("segments", "promoter_required", "min_rq", "success_required", *NUMBERS[1:])
        labels = {
            "promoter_required": "Promoters only",
            "min_rq": "Lowest relationship quotient",
            "success_required": "A recent success moment",
            "success_within_days": "Success moment within (days)",
            "not_asked_days": "Not asked within (days)",
            "min_days_between_asks": "Days between two asks of the same person, whoever asks",
            "max_asks_per_employee_week": "Most asks per employee per week",
            "list_size": "People on each weekly list",
            "support_window_hours": "Hours around a support conversation with no ask",
            "two_way_days": "Two-way touchpoints within (days)",
        }
        widgets = {
            "promoter_required": UnfoldBooleanWidget,
            "success_required": UnfoldBooleanWidget,
            **{name: UnfoldAdminIntegerFieldWidget(attrs={"inputmode": "numeric"}) for name in NUMBERS},
        }


class AskScriptForm(forms.Form):
    title = forms.CharField(label="Title", max_length=120, widget=UnfoldAdminTextInputWidget)
    body = forms.CharField(
        label="Script",
        max_length=3000,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 8}),
        help_text="Placeholders: {first_name}, {company}, {employee}, {firm}.",
    )
