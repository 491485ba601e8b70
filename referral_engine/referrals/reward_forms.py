"""Forms of the reward pages: the programme, a rule, declining a reward. Forms parse; the services decide."""

from django import forms
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from referral_engine.referrals.models import RewardBasis, RewardKind, SourceKind
from referral_engine.relationships.models import MONEY

SOURCE_CHOICES = [
    (SourceKind.CUSTOMER, "Customers"),
    (SourceKind.PARTNER, "Partners"),
    (SourceKind.EMPLOYEE, "Colleagues"),
]
SOURCE_FLAGS = {
    SourceKind.CUSTOMER: "for_customers",
    SourceKind.PARTNER: "for_partners",
    SourceKind.EMPLOYEE: "for_employees",
}


def _money(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        widget=UnfoldAdminDecimalFieldWidget(attrs={"step": "0.01"}),
        **kwargs,
    )


def _days(label: str, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=3650, widget=UnfoldAdminIntegerFieldWidget, **kwargs
    )


class RewardProgrammeForm(forms.Form):
    enabled = forms.BooleanField(
        label="Reward referrers",
        required=False,
        help_text="Propose a reward when a referral is won and a rule below applies.",
        widget=UnfoldBooleanSwitchWidget,
    )
    yearly_budget = _money(
        "Budget per calendar year",
        required=False,
        help_text="Rewards approved in a year (approved or paid) may not add up to more. Empty: no limit.",
    )
    hold_days = _days(
        "Hold period (days)",
        help_text="Days after the win before a reward may be sent, in case the deal falls through.",
    )


class RewardRuleForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=120,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "e.g. Thank-you gift for customers"}),
    )
    kind = forms.ChoiceField(label="Kind", choices=RewardKind.choices, widget=UnfoldAdminSelectWidget)
    basis = forms.ChoiceField(label="Amount", choices=RewardBasis.choices, widget=UnfoldAdminSelectWidget)
    amount = _money("Fixed amount", required=False)
    percent = forms.DecimalField(
        label="Percentage of the won value",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget(attrs={"step": "0.01"}),
    )
    source_kinds = forms.MultipleChoiceField(
        label="Rewards referrals by",
        choices=SOURCE_CHOICES,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    hold_days = _days("Hold period (days)", required=False, help_text="Empty: the programme's hold period.")
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, widget=UnfoldBooleanSwitchWidget
    )

    def clean(self):
        data = super().clean()
        basis = data.get("basis")
        if basis == RewardBasis.FIXED and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Give the amount of the reward.")
        if basis == RewardBasis.PERCENT and data.get("percent") is None and "percent" not in self.errors:
            self.add_error("percent", "Give the percentage of the won value.")
        if not data.get("source_kinds"):
            self.add_error("source_kinds", "Choose who the rule rewards.")
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        kinds = data.pop("source_kinds") or []
        for kind, flag in SOURCE_FLAGS.items():
            data[flag] = kind in kinds
        return data

    @classmethod
    def initial_of(cls, rule) -> dict:
        return {
            "name": rule.name,
            "kind": rule.kind,
            "basis": rule.basis,
            "amount": rule.amount,
            "percent": rule.percent,
            "source_kinds": rule.source_kinds,
            "hold_days": rule.hold_days,
            "is_active": rule.is_active,
        }


class RewardDeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why not?",
        max_length=300,
        widget=UnfoldAdminTextInputWidget(
            attrs={"placeholder": "e.g. a referral fee is not allowed for this client"}
        ),
    )
