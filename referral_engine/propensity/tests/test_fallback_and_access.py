"""Short history falls back to the profile rules; the pages and the API show a workspace's figures to its
employees only (a partner is refused, another firm sees only its own)."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from referral_engine.core.testing import PASSWORD, make_account, make_contact
from referral_engine.propensity.models import PropensityRun, PropensityScore
from referral_engine.propensity.services import propensity_refresh, propensity_score, propensity_train
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _short_history(firm):
    """One customer and one referral: far too little for a model. The referral falls within 90 days of three
    monthly snapshots (April, May and June 2025), so it makes three positive examples."""
    ws = firm.workspace
    a = make_account(ws, name="Alpha", status="customer", won_at=date(2025, 1, 10))
    b = make_account(ws, name="Beta", status="prospect")
    ann = make_contact(ws, account=a, first_name="Ann", role="decision_maker")
    make_contact(ws, account=a, first_name="Abe", role="user")
    Referral.objects.create(
        workspace=ws,
        source_kind=SourceKind.CUSTOMER,
        source_contact=ann,
        referred_account=b,
        status=ReferralStatus.RECEIVED,
        received_at=datetime(2025, 6, 3, 12, tzinfo=UTC),
    )
    return ann


def _scored_run(firm, contact, probability=0.4):
    """A stored run and one score, as a successful weekly run leaves them (the pipeline is tested on the demo)."""
    run = PropensityRun.objects.create(
        workspace=firm.workspace,
        trained_at=NOW,
        method="logistic",
        auc=0.71,
        calibration_error=0.012,
        brier=0.02,
        examples=1000,
        positives=60,
        test_examples=300,
        test_positives=20,
        snapshots=[f"2025-{m:02d}-01" for m in range(1, 11)],
        test_from=date(2025, 8, 1),
        calibration=[{"bin": "0.0-0.1", "predicted": 0.03, "observed": 0.04, "count": 300}],
    )
    PropensityScore.objects.create(
        workspace=firm.workspace,
        contact=contact,
        run=run,
        probability=probability,
        reasons=[
            {
                "feature": "promoter",
                "label": "Latest NPS answer a promoter (9-10)",
                "value": 1,
                "contribution": 0.8,
            }
        ],
        scored_at=NOW,
    )
    return run


def _as(client, membership):
    client.logout()
    client.login(username=membership.user.email, password=PASSWORD)
    return client


def _api(client, firm, membership, path):
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {firm.token(membership)}")


# ---------------------------------------------------------------------------------------------------- fallback


def test_with_short_history_the_engine_says_so_and_leaves_ranking_to_the_profile_rules(firm, client):
    ann = _short_history(firm)
    old = _scored_run(firm, ann)  # an earlier model's score must not outlive a fallback

    run = propensity_refresh(workspace=firm.workspace, now=NOW)

    assert run.method == "rules" and run.auc is None and run.params == {}
    assert "Only 3 positive examples" in run.fallback_reason and "profile rules" in run.fallback_reason
    assert run.positives == 3 and run.examples > 0
    assert not PropensityScore.objects.filter(workspace=firm.workspace).exists()
    assert PropensityRun.objects.filter(pk=old.pk).exists()

    html = _as(client, firm.bob).get(reverse("insights_propensity")).content.decode()
    assert 'data-testid="fallback"' in html and "Only 3 positive examples" in html
    body = _api(client, firm, firm.bob, "/insights/propensity").json()
    assert body["method"] == "rules" and body["auc"] is None and body["top"] == []
    assert "profile rules" in body["fallback_reason"]


def test_the_threshold_of_positives_is_a_setting(firm, settings):
    _short_history(firm)
    settings.PROPENSITY_MIN_POSITIVES = 1
    run = propensity_train(workspace=firm.workspace, now=NOW)
    # Enough positives now, but one referral cannot give a time-ordered test: still a fallback, with that reason.
    assert run.method == "rules" and "positive example" in run.fallback_reason
    assert "Only 3 positive" not in run.fallback_reason


def test_score_without_a_trained_model_writes_nothing(firm):
    assert propensity_score(workspace=firm.workspace, now=NOW) == 0
    assert not PropensityScore.objects.exists()


def test_the_command_with_short_history_prints_why_and_json_has_the_keys(firm, capsys):
    _short_history(firm)
    call_command("propensity", "train", "--workspace", "acme", "--as-of", "2026-02-01", "--json")
    out = json.loads(capsys.readouterr().out)
    assert {"auc", "calibration_error", "examples", "positives"} <= set(out)
    assert out["auc"] is None and out["positives"] == 3 and out["fallback_reason"]

    call_command("propensity", "train", "--workspace", "acme", "--as-of", "2026-02-01")
    assert "not trained: Only 3 positive examples" in capsys.readouterr().out
    call_command("propensity", "score", "--workspace", "acme")
    assert "nothing scored" in capsys.readouterr().out


def test_the_command_refuses_bad_input_and_writes_nothing(firm):
    with pytest.raises(CommandError, match="no workspace 'nope'"):
        call_command("propensity", "train", "--workspace", "nope")
    with pytest.raises(CommandError, match="--as-of"):
        call_command("propensity", "train", "--workspace", "acme", "--as-of", "1 Feb")
    with pytest.raises(CommandError, match="no workspace"):
        call_command("propensity", "score", "--workspace", "nope")
    assert not PropensityRun.objects.exists()


# ------------------------------------------------------------------------------------------------------ access


def test_employees_see_the_page_partners_do_not_and_another_firm_sees_only_its_own(firm, client):
    ann = _short_history(firm)
    _scored_run(firm, ann)
    url = reverse("insights_propensity")
    page = _as(client, firm.bob).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "0.710" in html and ann.name in html and "Latest NPS answer a promoter" in html

    assert _as(client, firm.carol).get(url).status_code == 404
    theirs = _as(client, firm.dave).get(url)
    assert theirs.status_code == 200 and ann.name not in theirs.content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def test_do_not_contact_people_are_not_listed_on_the_page(firm, client):
    ann = _short_history(firm)
    _scored_run(firm, ann)
    ann.do_not_contact = True
    ann.save(update_fields=["do_not_contact"])
    assert ann.name not in _as(client, firm.bob).get(reverse("insights_propensity")).content.decode()


def test_the_api_answers_employees_refuses_partners_and_hides_other_workspaces(firm, client):
    ann = _short_history(firm)
    _scored_run(firm, ann)

    summary = _api(client, firm, firm.bob, "/insights/propensity")
    assert summary.status_code == 200
    body = summary.json()
    assert body["auc"] == 0.71 and body["examples"] == 1000 and body["positives"] == 60
    assert body["calibration_error_kind"].startswith("expected calibration error")
    assert [row["contact_id"] for row in body["top"]] == [ann.pk]

    mine = _api(client, firm, firm.bob, f"/contacts/{ann.pk}/propensity")
    assert mine.status_code == 200
    assert mine.json()["probability"] == 0.4 and mine.json()["reasons"][0]["feature"] == "promoter"
    unscored = make_contact(firm.workspace, first_name="Nobody")
    got = _api(client, firm, firm.bob, f"/contacts/{unscored.pk}/propensity").json()
    assert got["scored"] is False and got["probability"] is None

    assert _api(client, firm, firm.carol, "/insights/propensity").status_code == 403
    assert _api(client, firm, firm.carol, f"/contacts/{ann.pk}/propensity").status_code == 403
    assert _api(client, firm, firm.dave, f"/contacts/{ann.pk}/propensity").status_code == 404
    theirs = _api(client, firm, firm.dave, "/insights/propensity").json()
    assert theirs["top"] == [] and theirs["auc"] is None
    assert _api(client, firm, firm.bob, "/contacts/999999999/propensity").status_code == 404
    assert client.get("/api/v1/insights/propensity").status_code == 401


def test_the_weekly_job_is_registered():
    from referral_engine.integrations.schedule import registered

    jobs = {job.task_path: job.every for job in registered()}
    assert jobs["referral_engine.propensity.tasks.retrain_every_workspace"] == timedelta(days=7)


def test_the_page_and_the_api_take_the_same_queries_for_one_scored_contact_or_many(firm, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ann = _short_history(firm)
    run = _scored_run(firm, ann)
    _as(client, firm.bob)
    token = firm.token(firm.bob)

    def queries():
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("insights_propensity")).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert (
                client.get("/api/v1/insights/propensity", HTTP_AUTHORIZATION=f"Bearer {token}").status_code
                == 200
            )
        return len(page), len(api)

    queries()  # the first use of a token records it once
    one = queries()
    for i in range(6):
        other = make_contact(firm.workspace, first_name=f"Other{i}", account=ann.account)
        PropensityScore.objects.create(
            workspace=firm.workspace,
            contact=other,
            run=run,
            probability=0.1 + i / 100,
            reasons=[],
            scored_at=NOW,
        )
    assert queries() == one


def test_the_weekly_job_trains_every_workspace_even_an_empty_one(firm):
    from freezegun import freeze_time

    from referral_engine.propensity.tasks import retrain_every_workspace

    _short_history(firm)
    with freeze_time(NOW):
        assert retrain_every_workspace.call() == 2  # Acme and Globex (no contacts at all)
    runs = {run.workspace_id: run for run in PropensityRun.objects.all()}
    assert runs[firm.other_workspace.pk].examples == 0 and runs[firm.other_workspace.pk].fallback_reason
    assert runs[firm.workspace.pk].positives == 3
