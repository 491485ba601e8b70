from django.db import models
from django.db.models import Q

from referral_engine.core.models import WorkspaceOwned


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Every customer contact"
    SEGMENT = "segment", "Customers in one value segment"
    ACCOUNT = "account", "The contacts of one account"


class RoundStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class SurveyRound(WorkspaceOwned):
    """One sending of the Net Promoter question to a chosen audience; each contact asked gets an invitation.

    Contacts with no e-mail address or marked do-not-contact are never invited: they are counted, and the first
    SKIPPED_KEPT of them are kept in `skipped` so the round's page can say who was left out and why.
    """

    SKIPPED_KEPT = 200

    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    segment = models.CharField(max_length=20, blank=True, help_text="The value segment asked, if any.")
    account = models.ForeignKey(
        "relationships.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_rounds",
    )
    not_asked_months = models.PositiveSmallIntegerField(
        default=6, help_text="Leave out contacts invited in this many months before; 0 asks them again."
    )
    audience_description = models.CharField(max_length=300)
    sent_at = models.DateTimeField()
    expires_after_days = models.PositiveSmallIntegerField(default=30)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    invited_count = models.PositiveIntegerField(default=0)
    skipped_no_email = models.PositiveIntegerField(default=0)
    skipped_do_not_contact = models.PositiveIntegerField(default=0)
    skipped_recently_asked = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True, help_text='[{"contact_id", "name", "reason"}]')

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["workspace", "sent_at"], name="surveyround_ws_sent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")), name="surveyround_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="surveyround_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="surveyround_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_after_days__gte=1) & Q(expires_after_days__lte=90),
                name="surveyround_expiry_1_to_90_days",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def skipped_count(self) -> int:
        return self.skipped_no_email + self.skipped_do_not_contact


class SurveyInvitation(WorkspaceOwned):
    """A personal invitation to answer the Net Promoter question; the link carries a token whose digest is kept."""

    contact = models.ForeignKey(
        "relationships.Contact", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    round = models.ForeignKey(
        SurveyRound, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "contact"], name="invitation_ws_contact")]
        constraints = [
            # Conditional, so SQLite adds it as a unique index instead of rebuilding the table (which would drop
            # its same-workspace triggers, core/db.py); invitations without a round never clash anyway.
            models.UniqueConstraint(
                fields=["round", "contact"],
                condition=Q(round__isnull=False),
                name="invitation_once_per_round",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(expires_at__gt=models.F("sent_at")),
                name="invitation_expires_after_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey for {self.contact}"

    @property
    def is_used(self) -> bool:
        """Answered: the link works once."""
        return self.answered_at is not None

    def is_expired(self, now) -> bool:
        return now >= self.expires_at


class NpsResponse(WorkspaceOwned):
    """An answer to "How likely is it that you would recommend us to a friend or colleague?" (Reichheld 2003)."""

    contact = models.ForeignKey(
        "relationships.Contact", on_delete=models.CASCADE, related_name="nps_responses"
    )
    account = models.ForeignKey(
        "relationships.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="nps_responses"
    )
    invitation = models.OneToOneField(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    at = models.DateTimeField()
    referral_candidate = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A promoter (9-10): someone to ask for a referral. Set by the answer service.",
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "at"], name="nps_ws_at"),
            models.Index(fields=["workspace", "contact", "at"], name="nps_ws_contact_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=10), name="nps_score_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.contact}: {self.score}"

    @property
    def category(self) -> str:
        # Reichheld (2003): 9-10 promoter, 7-8 passive, 0-6 detractor.
        if self.score >= 9:
            return "promoter"
        return "passive" if self.score >= 7 else "detractor"
