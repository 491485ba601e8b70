from django import forms
from unfold.widgets import UnfoldAdminEmailInputWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from referral_engine.intake.models import ReferrerKind

# The honeypot's name: a field a form-filling robot is glad to fill and a person never sees.
HONEYPOT = "website"


class PublicReferralForm(forms.Form):
    """The public form a personal link opens: who is being recommended, how to reach them, and the story."""

    company = forms.CharField(
        label="Company",
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "organization"}),
    )
    person = forms.CharField(
        label="Your name", max_length=200, widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="E-mail", required=False, widget=UnfoldAdminEmailInputWidget(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label="Phone",
        max_length=40,
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    story = forms.CharField(
        label="A note",
        required=False,
        max_length=4000,
        help_text="What you need, and how the recommendation came about.",
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}),
    )
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and "email" not in self.errors:
            self.add_error("email", "Give an e-mail address or a phone number, so we can reach you.")
        return cleaned

    @property
    def is_robot(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())

    def intake_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("company", "person", "email", "phone", "story")}


class LinkCreateForm(forms.Form):
    """An employee gives a referrer their link, from the referrer's page."""

    kind = forms.ChoiceField(choices=ReferrerKind.choices)
    referrer = forms.IntegerField(min_value=1)
