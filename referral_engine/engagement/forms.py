"""The form of the update e-mail wording page. It parses input only; message_template_save decides what is allowed."""

from django import forms
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from referral_engine.engagement.message_templates import BODY_MAX, SUBJECT_MAX


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(
        label="Subject",
        max_length=SUBJECT_MAX,
        strip=False,
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        label="Message",
        max_length=BODY_MAX,
        strip=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 14}),
    )
