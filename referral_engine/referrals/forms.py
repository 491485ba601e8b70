"""Forms of the referral pages: moving a card between stages and recording a referral.

Forms parse and check input; the services decide. A picked record arrives as an id from the page's lookup (or as
typed text when the browser runs no script) and is resolved inside the workspace by the view.
"""

from django import forms
from django.urls import reverse
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminEmailInputWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from referral_engine.referrals.models import ReferralStatus, SourceKind
from referral_engine.relationships.models import MONEY

# The record each source kind needs, in the form's field names (the "other" kind takes a free-text name).
SOURCE_PICKERS = {
    SourceKind.CUSTOMER: "source_contact",
    SourceKind.PARTNER: "source_partner",
    SourceKind.EMPLOYEE: "source_employee",
    SourceKind.EVENT: "source_event",
}


class ReferralMoveForm(forms.Form):
    status = forms.ChoiceField(label="Stage", choices=ReferralStatus.choices, widget=UnfoldAdminSelectWidget)
    won_value = forms.DecimalField(
        label="Won value",
        required=False,
        min_value=0,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        widget=UnfoldAdminDecimalFieldWidget(attrs={"placeholder": "e.g. 12000", "step": "0.01"}),
    )
    lost_reason = forms.CharField(
        label="Why was it lost?",
        required=False,
        max_length=300,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "e.g. chose a competitor"}),
    )

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == ReferralStatus.WON and data.get("won_value") is None and "won_value" not in self.errors:
            self.add_error("won_value", "Enter the value it was won for.")
        if status == ReferralStatus.LOST and not (data.get("lost_reason") or "").strip():
            self.add_error("lost_reason", "Say why it was lost.")
        return data


def _picked_id(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, widget=forms.HiddenInput)


def _search_text(label: str, placeholder: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=200,
        widget=UnfoldAdminTextInputWidget(
            attrs={"placeholder": placeholder, "autocomplete": "off", "prefix_icon": "search"}
        ),
    )


def _offer_groups(form: forms.Form, groups) -> None:
    """Offer the workspace's networking groups only: any other id is "not one of the choices" on the field."""
    if groups is None:
        del form.fields["group"]
    else:
        form.fields["group"].queryset = groups


class ReferralCreateForm(forms.Form):
    """Who referred, whom they referred, and how it came about."""

    source_kind = forms.ChoiceField(
        label="Source",
        choices=SourceKind.choices,
        initial=SourceKind.CUSTOMER,
        widget=UnfoldAdminRadioSelectWidget(radio_style=1),
    )
    source_contact = _picked_id("Customer contact")
    source_contact_q = _search_text("Customer contact", "Name, e-mail or company")
    source_partner = _picked_id("Partner")
    source_partner_q = _search_text("Partner", "Name, company or e-mail")
    source_employee = forms.TypedChoiceField(
        label="Colleague", required=False, coerce=int, empty_value=None, widget=UnfoldAdminSelectWidget
    )
    source_event = _picked_id("Event")
    source_event_q = _search_text("Event", "Event name or place")
    source_name = forms.CharField(
        label="Name of the source",
        required=False,
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "A name, a website, a directory…"}),
    )

    referred_account = _picked_id("Company")
    referred_account_q = _search_text("Company", "An existing account, or the name of a new one")

    referred_contact = _picked_id("Person")
    referred_contact_q = _search_text("Existing contact", "Someone already in your contacts")
    first_name = forms.CharField(
        label="First name", required=False, max_length=100, widget=UnfoldAdminTextInputWidget
    )
    last_name = forms.CharField(
        label="Last name", required=False, max_length=100, widget=UnfoldAdminTextInputWidget
    )
    email = forms.EmailField(label="E-mail", required=False, widget=UnfoldAdminEmailInputWidget)
    phone = forms.CharField(label="Phone", required=False, max_length=40, widget=UnfoldAdminTextInputWidget)
    title = forms.CharField(
        label="Job title", required=False, max_length=120, widget=UnfoldAdminTextInputWidget
    )

    story = forms.CharField(
        label="The story",
        required=False,
        help_text="How the recommendation came about, in the referrer's words if you have them.",
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}),
    )
    group = forms.ModelChoiceField(
        label="Networking group",
        required=False,
        queryset=None,  # the workspace's groups, given by the view
        empty_label="None",
        help_text="The group the referral came from, so the business it brings is counted for it.",
        widget=UnfoldAdminSelectWidget,
    )
    owner = forms.TypedChoiceField(
        label="Who follows it up",
        required=False,
        coerce=int,
        empty_value=None,
        widget=UnfoldAdminSelectWidget,
    )

    # The pickers: the typed text asks the lookup for suggestions; picking one fills the hidden id.
    PICKERS = {
        "source_contact": "contact",
        "source_partner": "partner",
        "source_event": "event",
        "referred_account": "account",
        "referred_contact": "contact",
    }

    def __init__(self, *args, employees=(), groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_groups(self, groups)
        lookup = reverse("referral_lookup")
        for field, kind in self.PICKERS.items():
            self.fields[f"{field}_q"].widget.attrs.update(
                {
                    "hx-get": f"{lookup}?kind={kind}&field={field}",
                    "hx-trigger": "input changed delay:250ms",
                    "hx-target": f"#{field}-options",
                    "hx-sync": "this:replace",
                    "x-ref": "q",
                    "x-on:input": "id = ''",
                    "x-on:keydown.escape": "$refs.options.innerHTML = ''",
                    "aria-controls": f"{field}-options",
                }
            )
        self.fields["source_kind"].widget.attrs["x-model"] = "kind"
        choices = [(m.pk, str(m.user)) for m in employees]
        self.fields["source_employee"].choices = [("", "Choose a colleague"), *choices]
        self.fields["owner"].choices = [("", "Nobody yet"), *choices]

    def clean(self):
        data = super().clean()
        kind = data.get("source_kind")
        picker = SOURCE_PICKERS.get(kind)
        if picker == "source_employee" and data.get("source_employee") is None:
            self.add_error("source_employee", "Choose the colleague who referred them.")
        elif picker and data.get(picker) is None and not (data.get(f"{picker}_q") or "").strip():
            self.add_error(f"{picker}_q", f"Find the {self.fields[picker].label.lower()} who referred them.")
        if kind == SourceKind.OTHER and not (data.get("source_name") or "").strip():
            self.add_error("source_name", "Say who referred them.")
        if data.get("referred_account") is None and not (data.get("referred_account_q") or "").strip():
            self.add_error("referred_account_q", "Name the company that was referred.")
        new_person = any((data.get(name) or "").strip() for name in ("last_name", "email", "phone", "title"))
        if new_person and not (data.get("first_name") or "").strip() and data.get("referred_contact") is None:
            self.add_error("first_name", "Give the person's first name.")
        return data

    @property
    def new_person(self) -> dict:
        """The person's fields, when a new contact is to be created."""
        data = self.cleaned_data
        fields = {
            name: (data.get(name) or "").strip()
            for name in ("first_name", "last_name", "email", "phone", "title")
        }
        return fields if fields["first_name"] else {}


# ------------------------------------------------------------------------------------------------- CSV import
# Limits of the upload page (the command line has its own, larger ones): a bigger file goes through
# `referral-engine referrals import`.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 5_000


class ReferralImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8, at most {IMPORT_MAX_BYTES // 1024 // 1024} MB and {IMPORT_MAX_ROWS:,} referrals.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(label="Only check the file; import nothing", required=False, initial=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; at most {IMPORT_MAX_BYTES // 1024 // 1024} MB "
                "here. Import larger files with `referral-engine referrals import`."
            )
        return upload


class ReferralParentForm(forms.Form):
    """Correct the referral a referral came through: pick it by its company, or clear it (tier 1)."""

    parent = _picked_id("Came through")
    parent_q = _search_text("Came through", "The earlier referral's company or referrer")
    clear = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lookup = reverse("referral_lookup")
        self.fields["parent_q"].widget.attrs.update(
            {
                "hx-get": f"{lookup}?kind=referral&field=parent",
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#parent-options",
                "hx-sync": "this:replace",
                "x-ref": "q",
                "x-on:input": "id = ''",
                "x-on:keydown.escape": "$refs.options.innerHTML = ''",
                "aria-controls": "parent-options",
            }
        )

    def clean(self):
        data = super().clean()
        if not data.get("clear") and data.get("parent") is None and not (data.get("parent_q") or "").strip():
            self.add_error("parent_q", "Find the referral this one came through.")
        return data


class ReferralGroupForm(forms.Form):
    """Correct the networking group a referral is attributed to, or clear it."""

    group = forms.ModelChoiceField(
        label="Networking group",
        required=False,
        queryset=None,
        empty_label="None",
        widget=UnfoldAdminSelectWidget,
    )

    def __init__(self, *args, groups, **kwargs):
        kwargs.setdefault("auto_id", "referral_group_%s")
        super().__init__(*args, **kwargs)
        _offer_groups(self, groups)


class MatchDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("reject", "Reject")])
