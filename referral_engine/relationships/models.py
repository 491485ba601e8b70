from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from referral_engine.core.models import WorkspaceOwned

MONEY = {"max_digits": 14, "decimal_places": 2}


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    CHURNED = "churned", "Churned"


class CompanySize(models.TextChoices):
    MICRO = "1-10", "1-10 employees"
    SMALL = "11-50", "11-50 employees"
    MEDIUM = "51-250", "51-250 employees"
    LARGE = "251-1000", "251-1000 employees"
    ENTERPRISE = "1000+", "More than 1000 employees"


class Account(WorkspaceOwned):
    """A customer company (or a prospect, until it is won)."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="The company's web or e-mail domain.")
    industry = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=10, choices=CompanySize.choices, blank=True)
    owner = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.PROSPECT)
    won_at = models.DateField(null=True, blank=True)
    churned_at = models.DateField(null=True, blank=True)
    needs = models.TextField(blank=True, help_text="Unmet requirements a partner might serve.")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["workspace", "status"], name="account_ws_status"),
            models.Index(fields=["workspace", "name"], name="account_ws_name"),
            # Intake and de-duplication look names up ignoring case (referrals.intake, referrals.selectors).
            models.Index(F("workspace"), Lower("name"), name="account_ws_lower_name"),
            models.Index(fields=["workspace", "won_at"], name="account_ws_won"),
            models.Index(fields=["workspace", "domain"], name="account_ws_domain"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AccountStatus.values), name="account_status_valid"),
            models.CheckConstraint(
                condition=Q(churned_at__isnull=True)
                | Q(won_at__isnull=True)
                | Q(churned_at__gte=F("won_at")),
                name="account_churned_after_won",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    INFLUENCER = "influencer", "Influencer"
    CHAMPION = "champion", "Champion"
    USER = "user", "User"


class Contact(WorkspaceOwned):
    """A person: someone at a customer account, a referrer, or someone referred to us."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=120, blank=True)
    role = models.CharField(
        max_length=20, choices=BuyingRole.choices, blank=True, help_text="Role in the buying circle."
    )
    birthday = models.DateField(null=True, blank=True)
    do_not_contact = models.BooleanField(default=False)
    email_updates = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Send this person an e-mail at each stage of the referrals they made",
    )
    owner = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["workspace", "account"], name="contact_ws_account"),
            models.Index(fields=["workspace", "email"], name="contact_ws_email"),
            models.Index(fields=["workspace", "last_name", "first_name"], name="contact_ws_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=~Q(email=""),
                name="contact_email_unique_in_workspace",
            ),
            models.CheckConstraint(condition=Q(role__in=[*BuyingRole.values, ""]), name="contact_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def name(self) -> str:
        return str(self)


class LinkKind(models.TextChoices):
    REPORTS_TO = "reports_to", "Reports to"
    INFLUENCES = "influences", "Influences"
    KNOWS = "knows", "Knows"


class ContactLink(WorkspaceOwned):
    """Who knows whom: from_contact reports to / influences / knows to_contact."""

    from_contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links_out")
    to_contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=12, choices=LinkKind.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["from_contact", "to_contact", "kind"], name="contactlink_unique"),
            models.CheckConstraint(condition=~Q(from_contact=F("to_contact")), name="contactlink_not_self"),
            models.CheckConstraint(condition=Q(kind__in=LinkKind.values), name="contactlink_kind_valid"),
        ]
        indexes = [models.Index(fields=["workspace", "to_contact"], name="contactlink_ws_to")]

    def __str__(self) -> str:
        return f"{self.from_contact} {self.get_kind_display().lower()} {self.to_contact}"


class Purchase(WorkspaceOwned):
    """One purchase by an account: its amount and the gross margin it earned (both in the workspace currency)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="purchases")
    date = models.DateField()
    amount = models.DecimalField(**MONEY)
    margin = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Gross margin earned; blank if unknown."
    )
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["workspace", "date"], name="purchase_ws_date"),
            models.Index(fields=["workspace", "account", "date"], name="purchase_ws_account_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="purchase_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(margin__isnull=True) | (Q(margin__gte=0) & Q(margin__lte=F("amount"))),
                name="purchase_margin_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.date} {self.amount}"


class TouchpointKind(models.TextChoices):
    MEETING = "meeting", "Meeting"
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    CARD = "card", "Card"
    GIFT = "gift", "Gift"
    EVENT = "event", "Event"
    SUPPORT = "support", "Support conversation"
    ONE_TO_ONE = "one_to_one", "One-to-one"
    NOTE = "note", "Note"


class Channel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video call"
    EMAIL = "email", "E-mail"
    MAIL = "mail", "Post"
    SOCIAL = "social", "Social network"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    INBOUND = "in", "They reached us"
    OUTBOUND = "out", "We reached them"


class Touchpoint(WorkspaceOwned):
    """A moment of contact between an employee and a contact or a partner."""

    kind = models.CharField(max_length=12, choices=TouchpointKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    minutes = models.PositiveIntegerField(default=0, help_text="Time spent, for value per hour.")
    employee = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="touchpoints"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="touchpoints"
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="touchpoints"
    )
    event = models.ForeignKey(
        "partners.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    group = models.ForeignKey(
        "partners.NetworkingGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
    )
    at = models.DateTimeField()
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "at"], name="touchpoint_ws_at"),
            models.Index(fields=["workspace", "contact", "at"], name="touchpoint_ws_contact_at"),
            models.Index(fields=["workspace", "account", "at"], name="touchpoint_ws_account_at"),
            models.Index(fields=["workspace", "partner", "at"], name="touchpoint_ws_partner_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(partner__isnull=False) | Q(account__isnull=False),
                name="touchpoint_has_counterpart",
            ),
            models.CheckConstraint(condition=Q(minutes__gte=0), name="touchpoint_minutes_non_negative"),
            models.CheckConstraint(condition=Q(kind__in=TouchpointKind.values), name="touchpoint_kind_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="touchpoint_channel_valid"),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="touchpoint_direction_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"
