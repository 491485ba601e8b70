"""Journeys and reminders (issue 6, items 6 and 7): touchpoint plans that create dated tasks, the daily digest,
the calendar feed and the escalation of overdue tasks.

Nothing here is ever sent to a client: a journey creates tasks for employees, who make the call, write the card
or bring the gift themselves.
"""

import hashlib

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from referral_engine.core.models import TimeStamped, WorkspaceOwned

# A step may come before its moment (a birthday card posted ahead) or long after it (a follow-up months later).
OFFSET_MIN = -90
OFFSET_MAX = 365


class Trigger(models.TextChoices):
    NEW_CLIENT = "new_client", "A new client (the day the account was won)"
    AFTER_PURCHASE = "after_purchase", "A purchase"
    BIRTHDAY = "birthday", "A contact's birthday"
    CLIENT_ANNIVERSARY = "client_anniversary", "The anniversary of becoming a client"
    HOLIDAYS = "holidays", "Holidays (the plan's list of dates)"
    END_OF_PROJECT = "end_of_project", "The end of a project"
    QUARTERLY_TOP = "quarterly_top", "Each quarter, for top-segment accounts"


# Triggers whose moment belongs to one person; the others belong to an account.
CONTACT_TRIGGERS = frozenset({Trigger.BIRTHDAY, Trigger.HOLIDAYS})


class StepAction(models.TextChoices):
    CALL = "call", "Call"
    CARD = "card", "Card"
    GIFT = "gift", "Gift"
    MEETING = "meeting", "Meeting"


class StepWho(models.TextChoices):
    ACCOUNT_OWNER = "account_owner", "The account's owner"
    CONTACT_OWNER = "contact_owner", "The contact's owner"


class JourneyPlan(WorkspaceOwned):
    """A touchpoint plan: when its trigger happens, each of its steps becomes a dated task for the right person."""

    name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=300, blank=True)
    holidays = models.JSONField(
        default=list,
        blank=True,
        help_text='For the holidays trigger: dates as "MM-DD" (every year) or "YYYY-MM-DD" (one year only).',
    )
    built_in = models.CharField(
        max_length=30,
        blank=True,
        help_text="Which built-in plan this started as; empty for a plan made here.",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="journeyplan_name_unique"),
            models.CheckConstraint(condition=Q(trigger__in=Trigger.values), name="journeyplan_trigger_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_contact_plan(self) -> bool:
        return self.trigger in CONTACT_TRIGGERS


class JourneyStep(WorkspaceOwned):
    """One touchpoint of a plan: `offset_days` after the trigger's moment (negative: before it)."""

    plan = models.ForeignKey(JourneyPlan, on_delete=models.CASCADE, related_name="steps")
    offset_days = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(OFFSET_MIN), MaxValueValidator(OFFSET_MAX)]
    )
    action = models.CharField(max_length=10, choices=StepAction.choices)
    title = models.CharField(max_length=120)
    script = models.TextField(
        max_length=2000, blank=True, help_text="What to say or write; shown on the task."
    )
    who = models.CharField(max_length=15, choices=StepWho.choices, default=StepWho.ACCOUNT_OWNER)

    class Meta:
        ordering = ["plan", "offset_days", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=StepAction.values), name="journeystep_action_valid"
            ),
            models.CheckConstraint(condition=Q(who__in=StepWho.values), name="journeystep_who_valid"),
            models.CheckConstraint(
                condition=Q(offset_days__gte=OFFSET_MIN) & Q(offset_days__lte=OFFSET_MAX),
                name="journeystep_offset_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.title}"


class ProjectEnd(WorkspaceOwned):
    """A project that ended (recorded by an employee, optionally for one purchase): the end-of-project trigger."""

    account = models.ForeignKey("relationships.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "relationships.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purchase = models.ForeignKey(
        "relationships.Purchase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-ended_on", "-id"]
        indexes = [models.Index(fields=["workspace", "ended_on"], name="projectend_ws_ended")]

    def __str__(self) -> str:
        return f"End of project at {self.account} on {self.ended_on}"


class ReminderSettings(TimeStamped):
    """A workspace's reminder rules. Created with these defaults (and the built-in plans) on first use."""

    workspace = models.OneToOneField("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    escalate_after_working_days = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="An open task overdue by more than this many working days goes to the assignee's lead.",
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(23)],
        help_text="Local hour (workspace time zone) from which the daily digest goes out.",
    )
    digest_on_weekends = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(escalate_after_working_days__gte=1) & Q(escalate_after_working_days__lte=30),
                name="remindersettings_escalate_range",
            ),
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="remindersettings_hour_range"),
        ]

    def __str__(self) -> str:
        return f"Reminder settings of workspace {self.workspace_id}"


class ReminderPreference(TimeStamped):
    """One employee's choices: the daily digest (on unless they opt out) and their calendar feed's secret."""

    membership = models.OneToOneField(
        "workspaces.Membership", on_delete=models.CASCADE, related_name="reminder_preference"
    )
    digest_enabled = models.BooleanField(default=True)
    calendar_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    calendar_prefix = models.CharField(max_length=12, blank=True)
    calendar_created_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Reminder preferences of {self.membership_id}"

    @staticmethod
    def digest_of(raw_token: str) -> str:
        # The token carries 256 bits of randomness, so a plain SHA-256 is enough (as for API tokens).
        return hashlib.sha256(raw_token.encode()).hexdigest()
