import uuid

from django.db import models
from django.db.models import Q

from referral_engine.core.models import WorkspaceOwned


class WebhookEvent(models.TextChoices):
    REFERRAL_RECEIVED = "referral.received", "Referral received"
    REFERRAL_STAGE_CHANGED = "referral.stage_changed", "Referral stage changed"
    REFERRAL_WON = "referral.won", "Referral won"
    REFERRAL_LOST = "referral.lost", "Referral lost"
    REWARD_APPROVED = "reward.approved", "Reward approved"


# Sent only by "send test"; an endpoint cannot subscribe to it, every endpoint accepts it.
PING_EVENT = "ping"


class WebhookEndpoint(WorkspaceOwned):
    """A URL of the firm's own systems that receives signed JSON for the events it subscribes to."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Shown to the workspace's owners so receivers can verify signatures; never sent over the wire.
    secret = models.CharField(max_length=80)
    events = models.JSONField(default=list, help_text="Event names this endpoint receives.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event: str) -> bool:
        return event == PING_EVENT or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(WorkspaceOwned):
    """One event for one endpoint, and the log of trying to deliver it. event_id is the idempotency key."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The start of the receiver's last answer.")
    error = models.CharField(
        max_length=300, blank=True, help_text="Why the last attempt failed, if not an HTTP answer."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhookdelivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhookdelivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="webhookdelivery_delivered_has_time",
            ),
        ]
        indexes = [
            # retry_due_webhooks: pending deliveries whose time has come.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=DeliveryStatus.PENDING),
                name="webhookdelivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundEmail(WorkspaceOwned):
    """One e-mail the engine sends (an update to a referrer, a survey invitation, a digest), and its sending log.

    Written in the caller's transaction and sent by the worker after commit; `dedupe_key` makes the same fact
    (an update for one stage of one referral, one invitation) one e-mail, however often the job runs.
    """

    kind = models.CharField(max_length=40, help_text="What the e-mail is for, e.g. referral_update.")
    dedupe_key = models.CharField(max_length=160)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    contact = models.ForeignKey(
        "relationships.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outbound e-mail"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "dedupe_key"], name="outboundemail_once"),
            models.CheckConstraint(
                condition=Q(status__in=EmailStatus.values), name="outboundemail_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=EmailStatus.SENT) | Q(sent_at__isnull=False),
                name="outboundemail_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status=EmailStatus.PENDING), name="outboundemail_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"
