from django import forms
from unfold.widgets import UnfoldAdminEmailInputWidget, UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget


class PortalReferralForm(forms.Form):
    """The partner portal's short form: whom they refer and how the recommendation came about."""

    company = forms.CharField(
        label="Company",
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "organization"}),
    )
    person = forms.CharField(
        label="Person to talk to",
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(label="E-mail", required=False, widget=UnfoldAdminEmailInputWidget())
    phone = forms.CharField(
        label="Phone", max_length=40, required=False, widget=UnfoldAdminTextInputWidget(attrs={"type": "tel"})
    )
    story = forms.CharField(
        label="How did this come about?",
        required=False,
        max_length=4000,
        help_text="What they need and why you thought of us. It helps us make a good first call.",
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and "email" not in self.errors:
            self.add_error("email", "Give an e-mail address or a phone number, so we can reach them.")
        return cleaned
