"""Forms of the ledger, suggestions and group pages. They parse input only; the services decide what is allowed.

Every choice of a related row is limited to the workspace, so another firm's id is a field error.
"""

from django import forms
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
)

from referral_engine.partners.models import GivenStatus, Partner
from referral_engine.relationships.models import Account, Contact
from referral_engine.workspaces.models import Membership, Role


class GivenForm(forms.Form):
    """Record a referral we gave: a partner, and the contact or account we referred to them."""

    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), widget=UnfoldAdminSelectWidget)
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.HiddenInput
    )
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, widget=forms.HiddenInput
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2, "placeholder": "Why they could use each other"}),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(workspace=workspace)
        self.fields["contact"].queryset = Contact.objects.filter(workspace=workspace)
        self.fields["account"].queryset = Account.objects.filter(workspace=workspace)

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("contact") is None and data.get("account") is None:
            self.add_error("contact", "Pick the contact or the account you referred.")
        return data


class GivenOutcomeForm(forms.Form):
    """Close a given referral (won with the value the partner closed, or lost), or record their thank-you."""

    status = forms.ChoiceField(choices=GivenStatus.choices, widget=UnfoldAdminSelectWidget)
    won_value = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=2, widget=UnfoldAdminDecimalFieldWidget
    )
    thanked = forms.BooleanField(required=False, label="They thanked us for closing business")


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end is before the start.")
        return data


class MemberForm(forms.Form):
    """A partner or one of our people, for a group's members or an event's attendance."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False, widget=UnfoldAdminSelectWidget
    )
    employee = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False, widget=UnfoldAdminSelectWidget, label="One of us"
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(workspace=workspace)
        self.fields["employee"].queryset = (
            Membership.objects.filter(workspace=workspace, is_active=True)
            .exclude(role=Role.PARTNER)
            .select_related("user")
        )


class ProgrammeForm(forms.Form):
    nudge_after_days = forms.IntegerField(
        min_value=1, max_value=3650, label="Nudge after (days)", widget=UnfoldAdminIntegerFieldWidget
    )
    valuable_partners = forms.IntegerField(
        min_value=1, max_value=1000, label="Valuable partners (top N)", widget=UnfoldAdminIntegerFieldWidget
    )
