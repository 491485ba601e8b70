from django.db import models
from django.db.models import F, Q

from referral_engine.core.models import WorkspaceOwned
from referral_engine.relationships.models import MONEY


class SourceKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    PARTNER = "partner", "Partner"
    EMPLOYEE = "employee", "Employee"
    EVENT = "event", "Event"
    OTHER = "other", "Other"


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    CONTACTED = "contacted", "Contacted"
    MEETING = "meeting", "Meeting"
    PROPOSAL = "proposal", "Proposal"
    WON = "won", "Won"
    LOST = "lost", "Lost"


OPEN_STATUSES = (
    ReferralStatus.RECEIVED,
    ReferralStatus.CONTACTED,
    ReferralStatus.MEETING,
    ReferralStatus.PROPOSAL,
)

# The stage timestamps, in pipeline order. A stage may be skipped, but never recorded before an earlier one.
STAGE_FIELDS = ("received_at", "contacted_at", "meeting_at", "proposal_at", "closed_at")
STATUS_STAGE_FIELD = {
    ReferralStatus.RECEIVED: "received_at",
    ReferralStatus.CONTACTED: "contacted_at",
    ReferralStatus.MEETING: "meeting_at",
    ReferralStatus.PROPOSAL: "proposal_at",
    ReferralStatus.WON: "closed_at",
    ReferralStatus.LOST: "closed_at",
}


def _stages_in_order() -> Q:
    condition = Q()
    for i, earlier in enumerate(STAGE_FIELDS):
        for later in STAGE_FIELDS[i + 1 :]:
            condition &= (
                Q(**{f"{earlier}__isnull": True})
                | Q(**{f"{later}__isnull": True})
                | Q(**{f"{later}__gte": F(earlier)})
            )
    return condition


class Referral(WorkspaceOwned):
    """A business referred to us: who referred it, whom, how the recommendation came about, and where it stands."""

    source_kind = models.CharField(max_length=10, choices=SourceKind.choices)
    # RESTRICT, not PROTECT: a referrer or a referred account cannot be deleted while referrals point at it, but
    # deleting the whole workspace (which cascades to both) still works.
    source_contact = models.ForeignKey(
        "relationships.Contact",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="referrals_given",
    )
    source_partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.RESTRICT, related_name="referrals_given"
    )
    source_employee = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="referrals_given",
    )
    source_event = models.ForeignKey(
        "partners.Event", null=True, blank=True, on_delete=models.RESTRICT, related_name="referrals"
    )
    source_name = models.CharField(max_length=200, blank=True, help_text="Who referred, when no record fits.")
    referred_account = models.ForeignKey(
        "relationships.Account", on_delete=models.RESTRICT, related_name="referrals_received"
    )
    referred_contact = models.ForeignKey(
        "relationships.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_about",
    )
    owner = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_referrals",
        help_text="The employee who follows the referral up.",
    )
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED)
    received_at = models.DateTimeField()
    contacted_at = models.DateTimeField(null=True, blank=True)
    meeting_at = models.DateTimeField(null=True, blank=True)
    proposal_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    first_contact_due = models.DateTimeField(null=True, blank=True)
    tier = models.PositiveSmallIntegerField(default=1)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The referral that started the chain this one came through (tier 2).",
    )
    story = models.TextField(blank=True, help_text="How the recommendation came about.")
    won_value = models.DecimalField(**MONEY, null=True, blank=True)
    lost_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "received_at"], name="referral_ws_received"),
            models.Index(fields=["workspace", "status"], name="referral_ws_status"),
            models.Index(fields=["workspace", "source_kind"], name="referral_ws_source"),
            models.Index(fields=["workspace", "closed_at"], name="referral_ws_closed"),
            models.Index(fields=["workspace", "referred_account"], name="referral_ws_account"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source_kind__in=SourceKind.values), name="referral_source_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
            models.CheckConstraint(
                condition=(~Q(source_kind=SourceKind.CUSTOMER) | Q(source_contact__isnull=False))
                & (~Q(source_kind=SourceKind.PARTNER) | Q(source_partner__isnull=False))
                & (~Q(source_kind=SourceKind.EMPLOYEE) | Q(source_employee__isnull=False))
                & (~Q(source_kind=SourceKind.EVENT) | Q(source_event__isnull=False)),
                name="referral_source_matches_kind",
            ),
            models.CheckConstraint(condition=Q(tier__in=[1, 2]), name="referral_tier_1_or_2"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="referral_not_own_parent"),
            models.CheckConstraint(
                condition=Q(tier=1) | Q(parent__isnull=False), name="referral_tier2_has_parent"
            ),
            models.CheckConstraint(condition=_stages_in_order(), name="referral_stages_in_order"),
            models.CheckConstraint(
                condition=Q(won_value__isnull=True) | Q(won_value__gte=0),
                name="referral_won_value_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.WON) | Q(won_value__isnull=False, closed_at__isnull=False),
                name="referral_won_has_value_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.LOST) | Q(closed_at__isnull=False),
                name="referral_lost_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referred_account} via {self.source_label}"

    @property
    def source_label(self) -> str:
        source = self.source_contact or self.source_partner or self.source_employee or self.source_event
        return str(source) if source else (self.source_name or self.get_source_kind_display())


class RewardKind(models.TextChoices):
    GIFT = "gift", "Gift"
    FEE = "fee", "Referral fee"
    DONATION = "donation", "Donation"


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    DECLINED = "declined", "Declined"


class Reward(WorkspaceOwned):
    """A gift, fee or donation for a referral, with an approval step."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="rewards")
    kind = models.CharField(max_length=10, choices=RewardKind.choices)
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=RewardStatus.choices, default=RewardStatus.PROPOSED)
    note = models.CharField(max_length=300, blank=True)
    approved_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"], name="reward_ws_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="reward_amount_non_negative"),
            models.CheckConstraint(condition=Q(kind__in=RewardKind.values), name="reward_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=RewardStatus.values), name="reward_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} for {self.referral_id}"


class MatchLevel(models.TextChoices):
    SURE = "sure", "Sure"
    POSSIBLE = "possible", "Possible"


class MatchDecision(models.TextChoices):
    PENDING = "pending", "Waiting for a person"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    AUTO_LINKED = "auto_linked", "Linked automatically"


class CustomerFlag(models.TextChoices):
    NONE = "", "New business"
    EXISTING = "existing_customer", "An existing customer referred again — not new business"
    FORMER = "former_customer", "A former customer"


class ReferralMatch(WorkspaceOwned):
    """A record a new referral may duplicate (an account, a contact or an open referral), and what was decided.

    Rows are never deleted when decided, so every decision — automatic or a person's — is kept.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="matches")
    matched_account = models.ForeignKey(
        "relationships.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_contact = models.ForeignKey(
        "relationships.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(max_length=10, choices=MatchLevel.choices)
    reasons = models.JSONField(default=list, blank=True)
    similarity = models.FloatField(default=0)
    customer_flag = models.CharField(max_length=20, choices=CustomerFlag.choices, blank=True, default="")
    decision = models.CharField(max_length=12, choices=MatchDecision.choices, default=MatchDecision.PENDING)
    decided_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "decision"], name="referralmatch_ws_decision"),
            models.Index(fields=["workspace", "referral"], name="referralmatch_ws_referral"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=MatchLevel.values), name="referralmatch_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=MatchDecision.values), name="referralmatch_decision_valid"
            ),
            models.CheckConstraint(
                condition=Q(customer_flag__in=CustomerFlag.values), name="referralmatch_flag_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision=MatchDecision.PENDING) | Q(decided_at__isnull=False),
                name="referralmatch_decided_has_date",
            ),
            models.UniqueConstraint(
                fields=["referral", "matched_account"],
                condition=Q(matched_account__isnull=False),
                name="referralmatch_unique_account",
            ),
            models.UniqueConstraint(
                fields=["referral", "matched_contact"],
                condition=Q(matched_contact__isnull=False),
                name="referralmatch_unique_contact",
            ),
            models.UniqueConstraint(
                fields=["referral", "matched_referral"],
                condition=Q(matched_referral__isnull=False),
                name="referralmatch_unique_referral",
            ),
        ]

    def __str__(self) -> str:
        target = self.matched_account or self.matched_contact or self.matched_referral
        return f"{self.get_level_display()} match of referral {self.referral_id} to {target}"
