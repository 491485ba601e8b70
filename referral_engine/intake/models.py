"""Personal referral links: a short code per referrer that opens a public form, and the attempts it counts."""

from django.db import models
from django.db.models import Q

from referral_engine.core.models import WorkspaceOwned

# No 0/O, 1/I/L: a code read out over the phone or copied from a card is typed right the first time.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class ReferrerKind(models.TextChoices):
    CONTACT = "contact", "Customer contact"
    PARTNER = "partner", "Partner"
    EMPLOYEE = "employee", "Employee"


def _only(field: str) -> Q:
    others = [name for name in ("contact", "partner", "employee") if name != field]
    return Q(**{f"{field}__isnull": False}) & Q(**{f"{name}__isnull": True for name in others})


class ReferralLink(WorkspaceOwned):
    """A referrer's personal link (`/r/<code>/`): whoever opens it can tell the firm they were recommended, and the
    referral records who recommended them. Exactly one of contact, partner or employee is the referrer."""

    code = models.CharField(max_length=16, unique=True)
    contact = models.ForeignKey(
        "relationships.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="referral_links",
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="referral_links"
    )
    employee = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="referral_links",
    )
    owner = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who follows up referrals from this link; empty: whoever owns the relationship with the referrer.",
    )
    is_active = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "is_active"], name="referrallink_ws_active")]
        constraints = [
            models.CheckConstraint(
                condition=_only("contact") | _only("partner") | _only("employee"),
                name="referrallink_exactly_one_referrer",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, revoked_at__isnull=True)
                | Q(is_active=False, revoked_at__isnull=False),
                name="referrallink_revoked_when_inactive",
            ),
            # One live link per referrer: the one they were given keeps working until someone revokes it.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(is_active=True, contact__isnull=False),
                name="referrallink_one_per_contact",
            ),
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(is_active=True, partner__isnull=False),
                name="referrallink_one_per_partner",
            ),
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(is_active=True, employee__isnull=False),
                name="referrallink_one_per_employee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.referrer})"

    @property
    def referrer(self):
        return self.contact or self.partner or self.employee

    @property
    def referrer_kind(self) -> str:
        if self.contact_id:
            return ReferrerKind.CONTACT
        if self.partner_id:
            return ReferrerKind.PARTNER
        return ReferrerKind.EMPLOYEE


class IntakeAttempt(WorkspaceOwned):
    """One referral accepted through a public link, counted for the rate limits. The client's address is kept only
    as a keyed digest (HMAC-SHA256 with SECRET_KEY), never raw; rows older than a day are purged every hour."""

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="attempts")
    ip_digest = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "ip_digest", "at"], name="intakeattempt_ip_at"),
            models.Index(fields=["link", "at"], name="intakeattempt_link_at"),
            models.Index(fields=["at"], name="intakeattempt_at"),
        ]

    def __str__(self) -> str:
        return f"{self.link.code} at {self.at:%Y-%m-%d %H:%M}"
