"""Who to ask and when: a workspace's referral profile and cadence, success moments, ask scripts and the
weekly ask lists (issue 6, items 1, 3, 4 and 5)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from referral_engine.core.models import TimeStamped, WorkspaceOwned

SEGMENT_KEYS = ("top", "core", "long_tail")


def default_segments() -> list[str]:
    # Seed 001: prioritise the most valued customers; the top 20% of accounts by value.
    return ["top"]


class ReferralProfile(TimeStamped):
    """Who is ready to be asked (the profile) and how often anyone may be asked (the firm-wide cadence).

    Created with these defaults the first time a workspace needs it.
    """

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="referral_profile"
    )
    # --- the profile
    segments = models.JSONField(
        default=default_segments,
        blank=True,
        help_text="Value segments that qualify (top, core, long_tail); empty means any account.",
    )
    promoter_required = models.BooleanField(
        default=True, help_text="Only people whose latest NPS answer was 9 or 10."
    )
    min_rq = models.PositiveSmallIntegerField(
        default=60,
        validators=[MaxValueValidator(100)],
        help_text="Lowest relationship quotient (0-100); 0 means any.",
    )
    success_required = models.BooleanField(
        default=True, help_text="Only people with a recent success moment (a go-live, a milestone, praise)."
    )
    success_within_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    not_asked_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Leave people asked within this many days off the list.",
    )
    # --- the cadence
    min_days_between_asks = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Firm-wide: nobody is suggested again within this many days of any ask, whoever asked.",
    )
    max_asks_per_employee_week = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="At most this many asks per employee per week, the ones already logged included.",
    )
    list_size = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="People on each employee's weekly list.",
    )
    support_window_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="An ask this close to a support conversation with the same person counts as inside it.",
    )
    two_way_days = models.PositiveSmallIntegerField(
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="A colleague who both reached and heard from a person within this many days may ask them.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(min_rq__lte=100), name="referralprofile_min_rq_0_100"),
        ]

    def __str__(self) -> str:
        return f"Referral profile of {self.workspace}"

    @property
    def interval_days(self) -> int:
        """Days since the latest ask before someone may be on a list: the stricter of the two rules."""
        return max(self.not_asked_days, self.min_days_between_asks)


class SuccessKind(models.TextChoices):
    GO_LIVE = "go_live", "Go-live"
    MILESTONE = "milestone", "Milestone reached"
    PRAISE = "praise", "Praise or a glowing answer"


class SuccessMoment(WorkspaceOwned):
    """A moment the client saw what we did for them: the best time to ask (recorded by an employee)."""

    contact = models.ForeignKey(
        "relationships.Contact", on_delete=models.CASCADE, related_name="success_moments"
    )
    kind = models.CharField(max_length=10, choices=SuccessKind.choices, default=SuccessKind.GO_LIVE)
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["workspace", "contact", "at"], name="success_ws_contact_at")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SuccessKind.values), name="success_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.contact} on {self.at:%Y-%m-%d}"


class Situation(models.TextChoices):
    AFTER_GO_LIVE = "after_go_live", "After a go-live"
    QUARTERLY_REVIEW = "quarterly_review", "At a quarterly review"
    TO_PARTNER = "to_partner", "To a partner"
    AFTER_PROMOTER = "after_promoter", "After a promoter's answer"


class AskScript(WorkspaceOwned):
    """A workspace's own words for one situation. Without a row the built-in script (scripts.py) is used."""

    situation = models.CharField(max_length=20, choices=Situation.choices)
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=3000)
    edited_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["situation"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "situation"], name="askscript_once_per_situation"),
            models.CheckConstraint(
                condition=Q(situation__in=Situation.values), name="askscript_situation_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ASKED = "asked", "Asked"
    DISMISSED = "dismissed", "Dismissed"


class AskSuggestion(WorkspaceOwned):
    """One person on one employee's ask list for one week (`week` is the Monday)."""

    week = models.DateField()
    employee = models.ForeignKey(
        "workspaces.Membership", on_delete=models.CASCADE, related_name="ask_suggestions"
    )
    contact = models.ForeignKey("relationships.Contact", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list, blank=True)
    situation = models.CharField(max_length=20, choices=Situation.choices)
    script = models.ForeignKey(
        AskScript,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The workspace's own script, if it has one for the situation; else the built-in one.",
    )
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    ask = models.ForeignKey(
        "engagement.Ask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["week", "employee", "rank"]
        indexes = [models.Index(fields=["workspace", "week", "employee"], name="asksugg_ws_week_employee")]
        constraints = [
            # Nobody is on two lists in the same week.
            models.UniqueConstraint(fields=["workspace", "week", "contact"], name="asksugg_once_per_week"),
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values), name="asksugg_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(situation__in=Situation.values), name="asksugg_situation_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Ask {self.contact} (week of {self.week})"


class AskListRun(WorkspaceOwned):
    """When a week's lists were made: the hourly job makes them only for a week without a run."""

    week = models.DateField()
    generated_at = models.DateTimeField()
    suggestions = models.PositiveIntegerField(default=0, help_text="Suggestions the latest run created.")

    class Meta:
        ordering = ["-week"]
        constraints = [models.UniqueConstraint(fields=["workspace", "week"], name="asklistrun_once_per_week")]

    def __str__(self) -> str:
        return f"Ask lists of the week of {self.week}"
