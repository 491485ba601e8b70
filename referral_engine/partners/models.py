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
