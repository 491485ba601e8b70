"""Forms of the NPS pages: the period of the figures, a new survey round, and the public answer form.

Forms parse and check input; the services decide.
"""

from django import forms
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from referral_engine.feedback.models import Audience
from referral_engine.feedback.selectors import segment_choices
from referral_engine.feedback.services import COMMENT_MAX, MAX_EXPIRY_DAYS, MAX_NOT_ASKED_MONTHS


class NpsPeriodForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class SurveyRoundForm(forms.Form):
    name = forms.CharField(
        label="Name of the round",
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "e.g. Spring 2026 customers"}),
    )
    audience = forms.ChoiceField(
        label="Who to ask",
        choices=Audience.choices,
        initial=Audience.EVERYONE,
        widget=UnfoldAdminRadioSelectWidget(radio_style=1),
    )
    segment = forms.ChoiceField(label="Segment", required=False, widget=UnfoldAdminSelectWidget)
    account = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    account_q = forms.CharField(
        label="Account",
        required=False,
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "The account's name"}),
    )
    not_asked_months = forms.IntegerField(
        label="Leave out contacts asked in the last … months",
        min_value=0,
        max_value=MAX_NOT_ASKED_MONTHS,
        initial=6,
        help_text="0 asks them again whenever they were last asked.",
        widget=UnfoldAdminIntegerFieldWidget,
    )
    expires_after_days = forms.IntegerField(
        label="Links work for … days",
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        initial=30,
        widget=UnfoldAdminIntegerFieldWidget,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        segments = segment_choices()
        self.fields["segment"].choices = [("", "Choose a segment"), *segments]
        if not segments:
            self.fields["audience"].choices = [c for c in Audience.choices if c[0] != Audience.SEGMENT]
        self.fields["audience"].widget.attrs["x-model"] = "audience"

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        if audience == Audience.SEGMENT and not data.get("segment"):
            self.add_error("segment", "Choose a segment.")
        if (
            audience == Audience.ACCOUNT
            and data.get("account") is None
            and not (data.get("account_q") or "").strip()
        ):
            self.add_error("account_q", "Name the account whose contacts to ask.")
        return data


SCORES = [(score, str(score)) for score in range(11)]


class SurveyAnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Your answer",
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a score from 0 to 10.",
            "invalid_choice": "Choose a score from 0 to 10.",
        },
    )
    comment = forms.CharField(
        label="Anything you would like to add? (optional)",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
