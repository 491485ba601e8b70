"""Stored analytics: each workspace's value settings, and the figures `insights_refresh` recomputes as a whole.

Results are derived data: `services.insights_refresh` replaces a workspace's rows in one transaction, so a page
always shows one consistent refresh. Their references to accounts, contacts, partners and employees carry no
database foreign key (db_constraint=False): a million-account refresh writes millions of rows, and a key checks
(and on PostgreSQL locks) the referenced row once per row written. The same-workspace guards still refuse a
reference to a missing row or another workspace's (checked once per batch by the writer), and deleting an
account, contact or partner through Django still deletes its figures (on_delete=CASCADE). Money figures are floats in the workspace currency (they are model outputs,
not a ledger); times of the purchase models are in weeks.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from referral_engine.core.models import TimeStamped, WorkspaceOwned
from referral_engine.relationships.models import MONEY

SHARE = {"max_digits": 5, "decimal_places": 4}
_share_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]


class HorizonUnit(models.TextChoices):
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    MONTHS = "months", "Months"


class Segment(models.TextChoices):
    TOP = "top", "Top"
    CORE = "core", "Core"
    LONG_TAIL = "long_tail", "Long tail"


class Quadrant(models.TextChoices):
    # Kumar, Petersen & Leone (2007): CLV × CRV.
    CHAMPION = "champion", "Champions"
    AFFLUENT = "affluent", "Affluents"
    ADVOCATE = "advocate", "Advocates"
    MISER = "miser", "Misers"


class EntityKind(models.TextChoices):
    CONTACT = "contact", "Contact"
    ACCOUNT = "account", "Account"
    PARTNER = "partner", "Partner"
    EMPLOYEE = "employee", "Employee"


def _exactly_one_referrer() -> Q:
    columns = {
        EntityKind.CONTACT: "contact",
        EntityKind.ACCOUNT: "account",
        EntityKind.PARTNER: "partner",
        EntityKind.EMPLOYEE: "employee",
    }
    condition = Q()
    for kind, column in columns.items():
        others = {f"{other}__isnull": True for other in columns.values() if other != column}
        condition |= Q(kind=kind, **{f"{column}__isnull": False}, **others)
    return condition


class ValueSettings(TimeStamped):
    """How a workspace values its customers; created with these defaults the first time it is needed."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="value_settings"
    )
    horizon = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="How far ahead predicted lifetime value looks, in the unit below.",
    )
    horizon_unit = models.CharField(max_length=6, choices=HorizonUnit.choices, default=HorizonUnit.MONTHS)
    discount_rate = models.DecimalField(
        **SHARE,
        default=Decimal("0.10"),
        validators=_share_validators,
        help_text="Annual discount rate, e.g. 0.10 for 10% a year.",
    )
    default_margin = models.DecimalField(
        **SHARE,
        default=Decimal("0.30"),
        validators=_share_validators,
        help_text="Share of a purchase that is margin, for purchases recorded without one.",
    )
    acquisition_cost_saved = models.DecimalField(
        **MONEY,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="What winning a customer costs without a referral; saved on every referred customer.",
    )
    tier2_weight = models.DecimalField(
        **SHARE,
        default=Decimal("0.50"),
        validators=_share_validators,
        help_text="Weight of business that came one step further down a chain the referrer started.",
    )
    top_share = models.DecimalField(
        **SHARE,
        default=Decimal("0.20"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(1))],
        help_text="Share of valued accounts in the top segment.",
    )
    core_share = models.DecimalField(
        **SHARE,
        default=Decimal("0.30"),
        validators=_share_validators,
        help_text="Share of valued accounts in the core segment, after the top; the rest is the long tail.",
    )
    rq_engagement = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(100)])
    rq_breadth = models.PositiveSmallIntegerField(default=20, validators=[MaxValueValidator(100)])
    rq_sentiment = models.PositiveSmallIntegerField(default=20, validators=[MaxValueValidator(100)])
    rq_responsiveness = models.PositiveSmallIntegerField(default=15, validators=[MaxValueValidator(100)])
    rq_reciprocity = models.PositiveSmallIntegerField(default=15, validators=[MaxValueValidator(100)])
    rq_half_life_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="A touchpoint this many days old counts half as much as one today.",
    )
    circle_expected = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Decision makers and influencers an account's buying circle should have, for full breadth.",
    )
    min_customers = models.PositiveIntegerField(
        default=20,
        validators=[MinValueValidator(2)],
        help_text="Fewer customers with purchases than this: historic value only, no prediction.",
    )

    class Meta:
        verbose_name_plural = "value settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(top_share__lte=Decimal(1) - models.F("core_share")),
                name="valuesettings_segments_fit",
            ),
            models.CheckConstraint(
                condition=Q(rq_engagement__gt=0)
                | Q(rq_breadth__gt=0)
                | Q(rq_sentiment__gt=0)
                | Q(rq_responsiveness__gt=0)
                | Q(rq_reciprocity__gt=0),
                name="valuesettings_some_rq_weight",
            ),
        ]

    def __str__(self) -> str:
        return f"Value settings of {self.workspace}"


class InsightsRun(TimeStamped):
    """The last refresh of a workspace: when, whether the models could be fitted (and why not), the fitted
    parameters and how long each phase took."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="insights_run"
    )
    computed_at = models.DateTimeField()
    fitted = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True, help_text="Why predicted values are missing.")
    customers = models.PositiveIntegerField(default=0)
    accounts_valued = models.PositiveIntegerField(default=0)
    top_value_share = models.FloatField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    seconds = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="The Value page's figures (segments, quadrants, the 80/20 curve, the grid's points), so the "
        "page reads one row however many accounts there are.",
    )

    def __str__(self) -> str:
        return f"Insights of {self.workspace} at {self.computed_at:%Y-%m-%d %H:%M}"


class AccountValue(WorkspaceOwned):
    """An account's value: historic, predicted (BG/NBD + Gamma-Gamma), referral (CRV), its rank and segment."""

    account = models.OneToOneField(
        "relationships.Account", db_constraint=False, on_delete=models.CASCADE, related_name="value"
    )
    purchase_days = models.PositiveIntegerField(default=0)
    historic_value = models.FloatField(default=0)
    historic_margin = models.FloatField(default=0)
    frequency = models.FloatField(default=0, help_text="Repeat purchase days.")
    recency_weeks = models.FloatField(default=0)
    age_weeks = models.FloatField(default=0)
    monetary_value = models.FloatField(default=0, help_text="Average repeat purchase.")
    expected_purchases = models.FloatField(null=True, blank=True)
    probability_alive = models.FloatField(null=True, blank=True)
    expected_spend = models.FloatField(null=True, blank=True)
    predicted_clv = models.FloatField(null=True, blank=True)
    clv = models.FloatField(default=0, help_text="Historic margin plus predicted margin over the horizon.")
    crv = models.FloatField(default=0)
    true_value = models.FloatField(default=0)
    rank = models.PositiveIntegerField()
    cumulative_share = models.FloatField()
    segment = models.CharField(max_length=9, choices=Segment.choices)
    quadrant = models.CharField(max_length=8, choices=Quadrant.choices)
    latest_nps = models.PositiveSmallIntegerField(null=True, blank=True)
    rq = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["rank"]
        indexes = [
            models.Index(fields=["workspace", "rank"], name="accountvalue_ws_rank"),
            models.Index(fields=["workspace", "segment"], name="accountvalue_ws_segment"),
            models.Index(fields=["workspace", "quadrant"], name="accountvalue_ws_quadrant"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(segment__in=Segment.values), name="accountvalue_segment_valid"
            ),
            models.CheckConstraint(
                condition=Q(quadrant__in=Quadrant.values), name="accountvalue_quadrant_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Value of {self.account}"


class ReferrerValue(WorkspaceOwned):
    """Customer referral value (Kumar, Petersen & Leone 2007) of one referrer: a contact, the account its
    contacts work at, a partner or an employee."""

    kind = models.CharField(max_length=8, choices=EntityKind.choices)
    contact = models.ForeignKey(
        "relationships.Contact",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    account = models.ForeignKey(
        "relationships.Account",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    employee = models.ForeignKey(
        "workspaces.Membership",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    crv = models.FloatField()
    tier1 = models.FloatField()
    tier2 = models.FloatField(help_text="Already weighted.")
    referred = models.PositiveIntegerField(help_text="Won referrals counted, tier 1 and tier 2.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-crv", "id"]
        indexes = [
            models.Index(fields=["workspace", "-crv"], name="referrervalue_ws_crv"),
        ]
        constraints = [
            models.CheckConstraint(condition=_exactly_one_referrer(), name="referrervalue_one_referrer"),
        ]

    def __str__(self) -> str:
        return f"CRV {self.crv:.2f} ({self.kind})"


class RqParts(models.Model):
    """RQ (0-100, null when no part applies) and its parts in [0, 1] (null where left out)."""

    kind = models.CharField(max_length=8, choices=EntityKind.choices)
    score = models.FloatField(null=True, blank=True)
    engagement = models.FloatField(null=True, blank=True)
    breadth = models.FloatField(null=True, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    responsiveness = models.FloatField(null=True, blank=True)
    reciprocity = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True


class RelationshipScore(WorkspaceOwned, RqParts):
    """The current relationship quotient of one contact, account or partner."""

    contact = models.OneToOneField(
        "relationships.Contact",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rq",
    )
    account = models.OneToOneField(
        "relationships.Account",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rq",
    )
    partner = models.OneToOneField(
        "partners.Partner",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rq",
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind=EntityKind.CONTACT, contact__isnull=False, account__isnull=True, partner__isnull=True
                )
                | Q(
                    kind=EntityKind.ACCOUNT, account__isnull=False, contact__isnull=True, partner__isnull=True
                )
                | Q(
                    kind=EntityKind.PARTNER, partner__isnull=False, contact__isnull=True, account__isnull=True
                ),
                name="rq_one_entity",
            ),
        ]

    def __str__(self) -> str:
        return f"RQ {self.score}"


class RelationshipScoreHistory(WorkspaceOwned, RqParts):
    """An entity's RQ in one ISO week (`week` is its Monday); a refresh in the same week replaces it.

    The entity columns have no index of their own: the partial unique (entity, week) indexes serve a lookup
    by entity, and every index costs time on each weekly insert of a row per contact, account and partner."""

    contact = models.ForeignKey(
        "relationships.Contact",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    account = models.ForeignKey(
        "relationships.Account",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    partner = models.ForeignKey(
        "partners.Partner",
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    week = models.DateField()

    class Meta:
        ordering = ["week", "id"]
        verbose_name_plural = "relationship score history"
        indexes = [models.Index(fields=["workspace", "week"], name="rqhistory_ws_week")]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "week"], condition=Q(contact__isnull=False), name="rqhistory_contact_week"
            ),
            models.UniqueConstraint(
                fields=["account", "week"], condition=Q(account__isnull=False), name="rqhistory_account_week"
            ),
            models.UniqueConstraint(
                fields=["partner", "week"], condition=Q(partner__isnull=False), name="rqhistory_partner_week"
            ),
        ]

    def __str__(self) -> str:
        return f"RQ {self.score} in the week of {self.week}"


class ProgrammeFigures(WorkspaceOwned):
    """One programme insight (source mix, chains, ...) for one period, stored because it was slow to compute: a
    big workspace's figures are served from here for up to an hour and the scheduler recomputes the default
    period's every half hour (programme_services.py). Small workspaces never get a row: they compute on read.
    `payload` is the selector's result as JSON text with dates tagged (text, not jsonb: the figures may hold NaN)."""

    insight = models.CharField(max_length=32)
    key = models.CharField(
        max_length=200, help_text="The insight, the period and the options it was asked with."
    )
    payload = models.TextField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField(help_text="How long the computation took.")

    class Meta:
        verbose_name_plural = "programme figures"
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="programmefigures_ws_key")]

    def __str__(self) -> str:
        return f"{self.insight} computed at {self.computed_at:%Y-%m-%d %H:%M}"
