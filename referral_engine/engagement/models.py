from django.db import models
from django.db.models import Q

from referral_engine.core.models import WorkspaceOwned
from referral_engine.relationships.models import Channel


class AskOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    REFERRAL_GIVEN = "referral_given", "Referral given"
    MAYBE_LATER = "maybe_later", "Maybe later"
    DECLINED = "declined", "Declined"
    NOT_RIGHT_TIME = "not_right_time", "Not the right time"


class Ask(WorkspaceOwned):
    """One time an employee asked a contact or a partner for a referral."""

    asker = models.ForeignKey("workspaces.Membership", on_delete=models.RESTRICT, related_name="asks_made")
    contact = models.ForeignKey(
        "relationships.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="asks"
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="asks"
    )
    at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    dedicated_meeting = models.BooleanField(
        default=False,
        help_text='Asked in a dedicated "how can we help each other" meeting, not inside a support conversation.',
    )
    outcome = models.CharField(max_length=16, choices=AskOutcome.choices, default=AskOutcome.PENDING)
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="asks"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "at"], name="ask_ws_at"),
            models.Index(fields=["workspace", "contact", "at"], name="ask_ws_contact_at"),
            models.Index(fields=["workspace", "asker", "at"], name="ask_ws_asker_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact__isnull=False) & Q(partner__isnull=True))
                | (Q(contact__isnull=True) & Q(partner__isnull=False)),
                name="ask_one_person_asked",
            ),
            models.CheckConstraint(condition=Q(outcome__in=AskOutcome.values), name="ask_outcome_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="ask_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"Ask of {self.contact or self.partner} on {self.at:%Y-%m-%d}"


class TaskKind(models.TextChoices):
    THANK = "thank", "Thank you"
    UPDATE = "update", "Update the referrer"
    ASK = "ask", "Ask for a referral"
    FOLLOW_UP = "follow_up", "Follow-up"
    JOURNEY_STEP = "journey_step", "Journey step"
    DETRACTOR_FOLLOW_UP = "detractor_follow_up", "Detractor follow-up"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SNOOZED = "snoozed", "Snoozed"
    CANCELLED = "cancelled", "Cancelled"


class Task(WorkspaceOwned):
    """Something a person should do, by a date, about a contact, account, partner or referral."""

    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    due = models.DateField()
    assignee = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(
        "relationships.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    contact = models.ForeignKey(
        "relationships.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    dedupe_key = models.CharField(
        max_length=120,
        blank=True,
        help_text="Set by the engine so the same event never creates the same task twice.",
    )

    class Meta:
        ordering = ["due", "id"]
        indexes = [
            models.Index(fields=["workspace", "status", "due"], name="task_ws_status_due"),
            models.Index(fields=["workspace", "assignee", "status", "due"], name="task_ws_assignee"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TaskKind.values), name="task_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.DONE) | Q(completed_at__isnull=False),
                name="task_done_has_date",
            ),
            models.UniqueConstraint(
                fields=["workspace", "dedupe_key"], condition=~Q(dedupe_key=""), name="task_dedupe_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MessageTemplateKey(models.TextChoices):
    """The e-mails a workspace can word its own way: one update to the referrer per stage (issue 4, item 5)."""

    REFERRAL_CONTACTED = "referral_contacted", "Update: the referred business was contacted"
    REFERRAL_MEETING = "referral_meeting", "Update: we met the referred business"
    REFERRAL_PROPOSAL = "referral_proposal", "Update: we sent a proposal"
    REFERRAL_WON = "referral_won", "Update: the referred business became a client"
    REFERRAL_LOST = "referral_lost", "Update: the referred business did not go ahead"


class MessageTemplate(WorkspaceOwned):
    """A workspace's own wording of one e-mail. Without a row, the built-in wording in message_templates.py is
    used; placeholders are plain {names}, never template code (see message_templates.py)."""

    key = models.CharField(max_length=40, choices=MessageTemplateKey.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=5000)
    edited_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="messagetemplate_once_per_key"),
            models.CheckConstraint(
                condition=Q(key__in=MessageTemplateKey.values), name="messagetemplate_key_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_key_display()
