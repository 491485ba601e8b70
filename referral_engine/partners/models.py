from django.db import models
from django.db.models import Q

from referral_engine.core.models import WorkspaceOwned


class GroupKind(models.TextChoices):
    BNI = "bni", "BNI chapter"
    CHAMBER = "chamber", "Chamber of commerce"
    COMMUNITY = "community", "User community"
    ASSOCIATION = "association", "Trade association"
    OTHER = "other", "Other"


class NetworkingGroup(WorkspaceOwned):
    """A group whose members refer business to each other: a BNI chapter, a chamber, a user community."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=GroupKind.choices, default=GroupKind.OTHER)
    meets = models.CharField(max_length=200, blank=True, help_text="When and where it meets.")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="networkinggroup_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=GroupKind.values), name="networkinggroup_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerKind(models.TextChoices):
    PERSON = "person", "Person"
    FIRM = "firm", "Firm"


class Partner(WorkspaceOwned):
    """A professional who sells to the same market and refers business both ways (seed 003)."""

    kind = models.CharField(max_length=6, choices=PartnerKind.choices, default=PartnerKind.PERSON)
    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    profession = models.CharField(max_length=120, blank=True, help_text="e.g. accountant, lawyer, IT vendor")
    target_market = models.TextField(blank=True, help_text="Who the partner sells to.")
    networking_group = models.ForeignKey(
        NetworkingGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="partners"
    )
    owner = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_partners",
    )
    portal_membership = models.OneToOneField(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partner",
        help_text="The partner's own sign-in to the partner portal.",
    )
    do_not_contact = models.BooleanField(default=False)
    email_updates = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Send this person an e-mail at each stage of the referrals they made",
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["workspace", "name"], name="partner_ws_name"),
            models.Index(fields=["workspace", "networking_group"], name="partner_ws_group"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PartnerKind.values), name="partner_kind_valid"),
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=~Q(email=""),
                name="partner_email_unique_in_workspace",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class EventKind(models.TextChoices):
    HOSTED = "hosted", "We run it"
    ATTENDED = "attended", "We attend"


class Event(WorkspaceOwned):
    """An event the firm runs or attends, possibly a networking group's meeting."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=EventKind.choices, default=EventKind.ATTENDED)
    networking_group = models.ForeignKey(
        NetworkingGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["workspace", "starts_at"], name="event_ws_starts")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_at:%Y-%m-%d})"


class Attendance(WorkspaceOwned):
    """Who was at an event: one of our employees, a contact or a partner."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    employee = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "relationships.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="attendances"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            # Exactly one attendee per row.
            models.CheckConstraint(
                condition=(
                    Q(employee__isnull=False, contact__isnull=True, partner__isnull=True)
                    | Q(employee__isnull=True, contact__isnull=False, partner__isnull=True)
                    | Q(employee__isnull=True, contact__isnull=True, partner__isnull=False)
                ),
                name="attendance_one_attendee",
            ),
            models.UniqueConstraint(fields=["event", "employee"], name="attendance_employee_once"),
            models.UniqueConstraint(fields=["event", "contact"], name="attendance_contact_once"),
            models.UniqueConstraint(fields=["event", "partner"], name="attendance_partner_once"),
        ]

    def __str__(self) -> str:
        return f"{self.employee or self.contact or self.partner} at {self.event}"


class PartnerProgramme(WorkspaceOwned):
    """A workspace's settings for the partner ledger: when to nudge someone to give back to a valuable partner."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="partner_programme"
    )
    nudge_after_days = models.PositiveSmallIntegerField(
        default=90,
        help_text="Nudge the partner's owner when a valuable partner has received nothing from us for this many days.",
    )
    valuable_partners = models.PositiveSmallIntegerField(
        default=5,
        help_text="How many partners, ranked by the won value they sent us in the last year, count as valuable.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(nudge_after_days__gte=1), name="partnerprogramme_days_positive"
            ),
            models.CheckConstraint(
                condition=Q(valuable_partners__gte=1), name="partnerprogramme_top_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Partner programme of {self.workspace}"


class GivenStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class ReferralGiven(WorkspaceOwned):
    """A referral we gave a partner: one of our contacts or accounts who could use what the partner sells.

    `thanked_at` records the partner's "thank you for closing business": they closed it and told us so.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="given_to")
    contact = models.ForeignKey(
        "relationships.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        "relationships.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    status = models.CharField(max_length=4, choices=GivenStatus.choices, default=GivenStatus.OPEN)
    won_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    thanked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the partner thanked us for the business they closed."
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "partner", "at"], name="given_ws_partner_at"),
            models.Index(fields=["workspace", "at"], name="given_ws_at"),
            models.Index(fields=["workspace", "account"], name="given_ws_account"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=GivenStatus.values), name="given_status_valid"),
            models.CheckConstraint(
                condition=Q(won_value__isnull=True) | Q(won_value__gte=0), name="given_won_value_non_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status=GivenStatus.WON) | Q(won_value__isnull=False, closed_at__isnull=False),
                name="given_won_has_value_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=GivenStatus.LOST) | Q(closed_at__isnull=False), name="given_lost_has_date"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("at")),
                name="given_closed_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account or self.contact or 'Referral'} to {self.partner}"


class GroupMembership(WorkspaceOwned):
    """A partner or one of our employees in a networking group."""

    group = models.ForeignKey(NetworkingGroup, on_delete=models.CASCADE, related_name="memberships")
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="group_memberships"
    )
    employee = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    joined_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=False, employee__isnull=True)
                | Q(partner__isnull=True, employee__isnull=False),
                name="groupmembership_one_member",
            ),
            models.UniqueConstraint(fields=["group", "partner"], name="groupmembership_partner_once"),
            models.UniqueConstraint(fields=["group", "employee"], name="groupmembership_employee_once"),
        ]

    def __str__(self) -> str:
        return f"{self.partner or self.employee} in {self.group}"
