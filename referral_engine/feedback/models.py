from django.db import models
from django.db.models import Q

from referral_engine.core.models import WorkspaceOwned


class SurveyInvitation(WorkspaceOwned):
    """A personal invitation to answer the Net Promoter question; the link carries a token whose digest is kept."""

    contact = models.ForeignKey(
        "relationships.Contact", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "contact"], name="invitation_ws_contact")]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(expires_at__gt=models.F("sent_at")),
                name="invitation_expires_after_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey for {self.contact}"


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
