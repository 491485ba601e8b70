"""Background jobs of webhooks and e-mail: load by id, call the service."""

from django_tasks import task

from referral_engine.integrations.mail import email_retry_due, email_send
from referral_engine.integrations.services import webhook_deliver, webhook_retry_due


@task()
def deliver_webhook(delivery_id: int) -> str | None:
    delivery = webhook_deliver(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@task()
def retry_due_webhooks() -> int:
    return webhook_retry_due()


@task()
def send_email(email_id: int) -> str | None:
    email = email_send(email_id=email_id)
    return email.status if email is not None else None


@task()
def retry_due_emails() -> int:
    return email_retry_due()
