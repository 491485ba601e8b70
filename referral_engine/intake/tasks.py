"""Background jobs of referral links: find the work, call a service; no rules of their own."""

from django_tasks import task

from referral_engine.intake.services import intake_attempts_purge


@task()
def purge_intake_attempts() -> int:
    """Forget the public form's attempts that no rate limit counts any more."""
    return intake_attempts_purge()
