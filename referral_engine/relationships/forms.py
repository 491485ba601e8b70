"""Quick-action forms of the account, contact and partner pages: log a touchpoint, log an ask.

They parse input only; touchpoint_create and ask_create decide what is allowed.
"""

from django import forms
from django.utils import timezone
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldBooleanWidget,
)

from referral_engine.core.web import DateTimeLocalInput
from referral_engine.engagement.models import AskOutcome
from referral_engine.relationships.models import Channel, Direction, TouchpointKind

# Minutes spent, for value per hour: a day of meetings is the most anyone logs in one go.
MAX_MINUTES = 24 * 60


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class TouchpointForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=TouchpointKind.choices, widget=UnfoldAdminSelectWidget)
    channel = forms.ChoiceField(label="Channel", choices=Channel.choices, widget=UnfoldAdminSelectWidget)
    direction = forms.ChoiceField(
        label="Who reached out",
        # Short labels for the narrow form; the values are the model's Direction.
        choices=[(Direction.OUTBOUND, "We did"), (Direction.INBOUND, "They did")],
        initial=Direction.OUTBOUND,
        widget=UnfoldAdminSelectWidget,
    )
    minutes = forms.IntegerField(
        label="Minutes spent",
        min_value=0,
        max_value=MAX_MINUTES,
        initial=15,
        widget=UnfoldAdminIntegerFieldWidget(attrs={"inputmode": "numeric"}),
    )
    at = forms.DateTimeField(label="When", initial=_now_to_the_minute, widget=DateTimeLocalInput)
    summary = forms.CharField(
        label="What was said",
        required=False,
        max_length=5000,
        widget=UnfoldAdminTextareaWidget(
            attrs={"rows": 3, "placeholder": "The gist, and anything to follow up"}
        ),
    )

    def __init__(self, *args, contacts=None, groups=None, **kwargs):
        # Its own ids, so a page with an ask form too has no two fields with one id.
        kwargs.setdefault("auto_id", "touchpoint_%s")
        super().__init__(*args, **kwargs)
        # The workspace's networking groups (a queryset the view scoped): any other id is not a valid choice.
        if groups is not None:
            self.fields["group"] = forms.ModelChoiceField(
                label="Networking group",
                required=False,
                queryset=groups,
                empty_label="None",
                help_text="The group it came from, e.g. a chapter meeting or a one-to-one arranged there.",
                widget=UnfoldAdminSelectWidget,
            )
        # On an account's page, the touchpoint may be with one of its people.
        if contacts is not None:
            self.fields["contact"] = forms.TypedChoiceField(
                label="With",
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "The company in general"), *((c.pk, str(c)) for c in contacts)],
                widget=UnfoldAdminSelectWidget,
            )
            self.order_fields(
                ["contact", "kind", "channel", "direction", "minutes", "at", "summary", "group"]
            )


class AskForm(forms.Form):
    channel = forms.ChoiceField(label="Channel", choices=Channel.choices, widget=UnfoldAdminSelectWidget)
    at = forms.DateTimeField(label="When", initial=_now_to_the_minute, widget=DateTimeLocalInput)
    outcome = forms.ChoiceField(
        label="Answer", choices=AskOutcome.choices, initial=AskOutcome.PENDING, widget=UnfoldAdminSelectWidget
    )
    dedicated_meeting = forms.BooleanField(
        label='In a dedicated "how can we help each other" meeting',
        required=False,
        widget=UnfoldBooleanWidget,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=5000,
        widget=UnfoldAdminTextareaWidget(
            attrs={"rows": 2, "placeholder": "Whom they might introduce, what to send"}
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "ask_%s")
        super().__init__(*args, **kwargs)
