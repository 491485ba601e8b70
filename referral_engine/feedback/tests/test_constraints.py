"""The database itself refuses survey rows the models forbid, on SQLite and PostgreSQL alike.

Every case first stores a valid row, so a refusal below is the constraint's doing and not a broken fixture.
"""

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.integrity import refused
from referral_engine.feedback.models import NpsResponse, SurveyInvitation, SurveyRound

AT = datetime(2025, 7, 1, 9, tzinfo=UTC)
_digests = itertools.count(1)


def invitation(w, **fields) -> SurveyInvitation:
    fields = {
        "contact": w.contact,
        "token_digest": f"{next(_digests):064x}",
        "expires_at": AT + timedelta(days=30),
        **fields,
    }
    return SurveyInvitation.objects.create(workspace=w.acme, **fields)


def survey_round(w, workspace=None, **fields) -> SurveyRound:
    fields = {
        "name": "Round",
        "audience": "everyone",
        "audience_description": "Every customer contact",
        "sent_at": AT,
        "expires_at": AT + timedelta(days=30),
        **fields,
    }
    return SurveyRound.objects.create(workspace=workspace or w.acme, **fields)


def response(w, **fields) -> NpsResponse:
    fields = {"contact": w.contact, "score": 9, "at": AT, **fields}
    return NpsResponse.objects.create(workspace=w.acme, **fields)


@pytest.fixture
def world(firm) -> SimpleNamespace:
    acme, globex = firm.workspace, firm.other_workspace
    w = SimpleNamespace(
        acme=acme,
        globex=globex,
        account=make_account(acme),
        contact=make_contact(acme),
        globex_account=make_account(globex),
        globex_contact=make_contact(globex),
        alice=firm.alice,
        dave=firm.dave,
    )
    w.round = survey_round(w)
    w.globex_round = survey_round(w, workspace=globex)
    return w


CHECKS = [
    (
        "invitation_expires_after_sending",
        invitation,
        lambda w: {"sent_at": AT},
        lambda w: {"sent_at": AT + timedelta(days=30)},
    ),
    ("nps_score_0_to_10", response, lambda w: {"score": 10}, lambda w: {"score": 11}),
    # Django's own check for a PositiveSmallIntegerField refuses a negative score first; both name the column.
    ("score", response, lambda w: {"score": 0}, lambda w: {"score": -1}),
    (
        "surveyround_expires_later",
        survey_round,
        lambda w: {"expires_at": AT + timedelta(seconds=1)},
        lambda w: {"expires_at": AT},
    ),
    ("surveyround_status_valid", survey_round, lambda w: {"status": "closed"}, lambda w: {"status": "sent"}),
    (
        "surveyround_audience_valid",
        survey_round,
        lambda w: {"audience": "account"},
        lambda w: {"audience": "all"},
    ),
    (
        "surveyround_expiry_1_to_90_days",
        survey_round,
        lambda w: {"expires_after_days": 90},
        lambda w: {"expires_after_days": 91},
    ),
]


@pytest.mark.parametrize(
    ("constraint", "build", "valid", "invalid"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)]
)
def test_a_check_constraint_refuses_what_the_model_forbids(world, constraint, build, valid, invalid):
    build(world, **valid(world))

    with refused(constraint):
        build(world, **invalid(world))


def test_an_invitation_token_digest_is_unique(world):
    invitation(world, token_digest="a" * 64)

    with refused("token_digest"):
        invitation(world, token_digest="a" * 64)


def test_an_invitation_answers_once(world):
    first = invitation(world)
    response(world, invitation=first)

    with refused("invitation_id"):
        response(world, invitation=first)


GUARDS = [
    (
        "feedback_surveyinvitation",
        "round_id",
        invitation,
        "round",
        lambda w: w.round,
        lambda w: w.globex_round,
    ),
    (
        "feedback_surveyround",
        "account_id",
        survey_round,
        "account",
        lambda w: w.account,
        lambda w: w.globex_account,
    ),
    (
        "feedback_surveyround",
        "created_by_id",
        survey_round,
        "created_by",
        lambda w: w.alice,
        lambda w: w.dave,
    ),
    (
        "feedback_surveyinvitation",
        "contact_id",
        invitation,
        "contact",
        lambda w: w.contact,
        lambda w: w.globex_contact,
    ),
    (
        "feedback_npsresponse",
        "contact_id",
        response,
        "contact",
        lambda w: w.contact,
        lambda w: w.globex_contact,
    ),
    (
        "feedback_npsresponse",
        "account_id",
        response,
        "account",
        lambda w: w.account,
        lambda w: w.globex_account,
    ),
]


@pytest.mark.parametrize(
    ("table", "column", "build", "field", "ours", "theirs"), GUARDS, ids=[f"{g[0]}.{g[1]}" for g in GUARDS]
)
def test_a_reference_into_another_workspace_is_refused_on_insert_and_update(
    world, table, column, build, field, ours, theirs
):
    row = build(world, **{field: ours(world)})
    model = type(row)

    with refused(f"cross-workspace reference: {table}.{column}"):
        build(world, **{field: theirs(world)})
    with refused(f"cross-workspace reference: {table}.{column}"):
        model.objects.filter(pk=row.pk).update(**{field: theirs(world)})
    with refused(f"cross-workspace reference: {table}."):
        model.objects.filter(pk=row.pk).update(workspace=world.globex)

    row.refresh_from_db()
    assert getattr(row, f"{field}_id") == ours(world).pk
