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
    group = models.ForeignKey(
        "partners.NetworkingGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        help_text="The networking group the referral came from.",
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
            # De-duplication and tier detection look referrals up by the person referred; without this index
            # SQLite walks the whole workspace (12.6 ms a lookup at a million accounts, bench/referral_intake.py).
            models.Index(fields=["workspace", "referred_contact"], name="referral_ws_contact"),
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


class RewardBasis(models.TextChoices):
    FIXED = "fixed", "A fixed amount"
    PERCENT = "percent", "A percentage of the won value"


class RewardProgramme(WorkspaceOwned):
    """A workspace's reward programme: off by default; a yearly budget and the default hold period."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="reward_programme"
    )
    enabled = models.BooleanField(
        default=False, help_text="Propose a reward when a referral is won and a rule matches."
    )
    yearly_budget = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="Most that rewards approved in one calendar year may add up to (approved and paid); "
        "empty for no limit.",
    )
    hold_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="Days after a referral is won before its reward may be sent (a deal may still fall through).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(yearly_budget__isnull=True) | Q(yearly_budget__gte=0),
                name="rewardprogramme_budget_non_negative",
            ),
            models.CheckConstraint(condition=Q(hold_days__lte=3650), name="rewardprogramme_hold_days_max"),
        ]

    def __str__(self) -> str:
        return f"Reward programme of {self.workspace}"


class RewardRule(WorkspaceOwned):
    """What a won referral earns its referrer: a gift, fee or donation, fixed or a share of the won value."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=RewardKind.choices, default=RewardKind.GIFT)
    basis = models.CharField(max_length=10, choices=RewardBasis.choices, default=RewardBasis.FIXED)
    amount = models.DecimalField(**MONEY, null=True, blank=True, help_text="For a fixed reward.")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For a share of the won value, 0 to 100.",
    )
    for_customers = models.BooleanField(default=True, help_text="Referrals by a customer contact.")
    for_partners = models.BooleanField(default=True, help_text="Referrals by a referral partner.")
    for_employees = models.BooleanField(default=False, help_text="Referrals by a colleague.")
    hold_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days to hold after the win; empty for the programme's default."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RewardKind.values), name="rewardrule_kind_valid"),
            models.CheckConstraint(
                condition=(Q(basis=RewardBasis.FIXED) & Q(amount__isnull=False, amount__gte=0))
                | (Q(basis=RewardBasis.PERCENT) & Q(percent__isnull=False, percent__gte=0, percent__lte=100)),
                name="rewardrule_amount_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(for_customers=True) | Q(for_partners=True) | Q(for_employees=True),
                name="rewardrule_some_source",
            ),
            models.CheckConstraint(
                condition=Q(hold_days__isnull=True) | Q(hold_days__lte=3650), name="rewardrule_hold_days_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source_kinds(self) -> list[str]:
        flags = {
            SourceKind.CUSTOMER: self.for_customers,
            SourceKind.PARTNER: self.for_partners,
            SourceKind.EMPLOYEE: self.for_employees,
        }
        return [kind for kind, on in flags.items() if on]


class Reward(WorkspaceOwned):
    """A gift, fee or donation for a referral, with an approval step.

    Proposed when a referral is won and a rule matches (once per referral and rule); a manager approves or
    declines it; an approved reward is held until `payable_from`, then released (a task to send it) and paid.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="rewards")
    # RESTRICT: a rule that rewards were made by is deactivated, not deleted (the workspace may still go).
    rule = models.ForeignKey(
        RewardRule, null=True, blank=True, on_delete=models.RESTRICT, related_name="rewards"
    )
    kind = models.CharField(max_length=10, choices=RewardKind.choices)
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=RewardStatus.choices, default=RewardStatus.PROPOSED)
    note = models.CharField(max_length=300, blank=True)
    payable_from = models.DateField(
        null=True, blank=True, help_text="The day the hold ends: the reward may be sent from then on."
    )
    approved_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="When the hold ended and someone was asked to send it."
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "status"], name="reward_ws_status"),
            models.Index(fields=["workspace", "approved_at"], name="reward_ws_approved"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="reward_amount_non_negative"),
            models.CheckConstraint(condition=Q(kind__in=RewardKind.values), name="reward_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=RewardStatus.values), name="reward_status_valid"),
            # Once per referral and rule, however often the win is recorded.
            models.UniqueConstraint(
                fields=["referral", "rule"], condition=Q(rule__isnull=False), name="reward_once_per_rule"
            ),
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
