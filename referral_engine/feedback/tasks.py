"""Background jobs of feedback: find the work, call a service; no rules of their own."""

from django_tasks import task

from referral_engine.feedback.models import SurveyRound
from referral_engine.feedback.services import (
    survey_round_invite,
    survey_rounds_close_expired,
    survey_rounds_stalled,
)


@task()
def send_survey_round(round_id: int) -> int:
    """Invite a big round's contacts in batches; running it again carries on where it stopped."""
    survey_round = SurveyRound.objects.select_related("workspace", "account").filter(pk=round_id).first()
    if survey_round is None:
        return 0
    return survey_round_invite(survey_round=survey_round)


@task()
def close_expired_survey_rounds() -> int:
    """Mark survey rounds whose links have expired closed, and send again the rounds a worker left half-sent."""
    for round_id in survey_rounds_stalled():
        send_survey_round.enqueue(round_id)
    return survey_rounds_close_expired()
