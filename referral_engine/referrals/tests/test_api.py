"""/api/v1/referrals: what a partner's token may do, and pipeline moves through PATCH (real HTTP server)."""

from datetime import timedelta

from django.utils import timezone

from referral_engine.core.testing import make_account
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.referrals.services import referral_create


def _referral(workspace, **fields) -> Referral:
    fields.setdefault("referred_account", make_account(workspace))
    return referral_create(workspace=workspace, actor=None, **fields)


def test_a_partners_token_sees_and_records_only_its_own_referrals(firm, connect):
    own = _referral(firm.workspace, source_kind=SourceKind.PARTNER, source_partner=firm.carol_partner)
    colleague = _referral(firm.workspace, source_kind=SourceKind.EMPLOYEE, source_employee=firm.bob)
    elsewhere = _referral(firm.other_workspace, source_kind=SourceKind.EMPLOYEE, source_employee=firm.dave)
    carol = connect(firm.token(firm.carol))

    listed = carol.get("/referrals").json()
    assert (listed["count"], [item["id"] for item in listed["items"]]) == (1, [own.pk])
    assert carol.get("/referrals", params={"source_kind": "employee"}).json()["count"] == 0
    assert carol.get(f"/referrals/{own.pk}").json()["source_partner_id"] == firm.carol_partner.pk
    for other in (colleague, elsewhere):
        assert carol.get(f"/referrals/{other.pk}").status_code == 404

    # Recording: the source is always the partner itself, whatever the body says about the kind.
    response = carol.post(
        "/referrals",
        json={"referred_account_name": "Newco", "source_kind": "employee", "story": "Their CFO asked me."},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["source_kind"], body["source_partner_id"]) == ("partner", firm.carol_partner.pk)
    assert (body["referred_account_name"], body["status"], body["tier"]) == ("Newco", "received", 1)
    referral = Referral.objects.get(pk=body["id"])
    assert (referral.workspace, referral.referred_account.name) == (firm.workspace, "Newco")

    # Ids of our own records are refused: a partner cannot see them, so it cannot name them.
    other_partner = Partner.objects.create(workspace=firm.workspace, name="Other")
    existing = _referral(firm.workspace, source_kind=SourceKind.EMPLOYEE, source_employee=firm.bob)
    before = Referral.objects.count()

    for field, value in (
        ("source_partner_id", other_partner.pk),
        ("referred_account_id", existing.referred_account_id),
        ("owner_id", firm.alice.pk),
        ("parent_id", existing.pk),
    ):
        response = carol.post("/referrals", json={"referred_account_name": "Newco", field: value})
        assert response.status_code == 422, field
        assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]
    assert Referral.objects.count() == before


def test_a_partners_token_may_not_change_or_delete_a_referral_even_its_own(firm, connect):
    own = _referral(firm.workspace, source_kind=SourceKind.PARTNER, source_partner=firm.carol_partner)
    carol = connect(firm.token(firm.carol))

    assert carol.patch(f"/referrals/{own.pk}", json={"status": "won", "won_value": 1}).status_code == 403
    assert carol.delete(f"/referrals/{own.pk}").status_code == 403
    own.refresh_from_db()
    assert own.status == ReferralStatus.RECEIVED

    # A partner sign-in that no partner record points at has nothing it may see or record.
    firm.carol_partner.portal_membership = None
    firm.carol_partner.save(update_fields=["portal_membership"])
    assert carol.get("/referrals").status_code == 403
    assert carol.post("/referrals", json={"referred_account_name": "Newco"}).status_code == 403
    assert Referral.objects.count() == 1


def test_an_employee_records_and_moves_referrals_by_the_rules(firm, connect):
    referral = _referral(
        firm.workspace,
        source_kind=SourceKind.EMPLOYEE,
        source_employee=firm.bob,
        received_at=timezone.now() - timedelta(days=1),
    )
    bob = connect(firm.token(firm.bob))
    contacted_at = referral.received_at + timedelta(hours=2)

    moved = bob.patch(
        f"/referrals/{referral.pk}", json={"status": "contacted", "status_at": contacted_at.isoformat()}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "contacted"
    assert moved.json()["contacted_at"].startswith(contacted_at.strftime("%Y-%m-%dT%H:%M"))

    too_early = referral.received_at + timedelta(hours=1)
    for body, field in (
        ({"status": "meeting", "status_at": too_early.isoformat()}, "status_at"),
        ({"status": "won"}, "won_value"),
        ({"status": "won", "won_value": -5}, "won_value"),
        ({"status": "lost"}, "lost_reason"),
        ({"status": "lost", "lost_reason": "   "}, "lost_reason"),
        ({"status": "finished"}, "status"),
        ({"status_at": too_early.isoformat()}, "status_at"),
    ):
        response = bob.patch(f"/referrals/{referral.pk}", json=body)
        assert response.status_code == 422, body
        assert ["body", field] in [error["loc"] for error in response.json()["detail"]], body
    referral.refresh_from_db()
    assert (referral.status, referral.meeting_at, referral.closed_at) == ("contacted", None, None)

    won = bob.patch(f"/referrals/{referral.pk}", json={"status": "won", "won_value": "12500.5"}).json()
    assert (won["status"], won["won_value"]) == ("won", "12500.50")
    assert won["closed_at"] is not None

    # Intake: the tier follows the parent; sources from elsewhere or of the wrong kind are refused.
    parent = _referral(firm.workspace, source_kind=SourceKind.EMPLOYEE, source_employee=firm.bob)
    foreign = _referral(firm.other_workspace, source_kind=SourceKind.EMPLOYEE, source_employee=firm.dave)
    alice = connect(firm.token(firm.alice))
    body = {"source_kind": "employee", "source_employee_id": firm.bob.pk, "referred_account_name": "Chain Co"}

    child = alice.post("/referrals", json={**body, "parent_id": parent.pk})
    assert (child.status_code, child.json()["tier"], child.json()["parent_id"]) == (201, 2, parent.pk)
    before = Referral.objects.count()

    refused = alice.post("/referrals", json={**body, "parent_id": foreign.pk})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"] == "No referral with this id in this workspace."

    # Carol is a partner, not an employee: she cannot be an employee source.
    refused = alice.post("/referrals", json={**body, "source_employee_id": firm.carol.pk})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "source_employee_id"]

    refused = alice.post("/referrals", json={"source_kind": "customer", "referred_account_name": "No Source"})
    assert refused.json()["detail"][0]["loc"] == ["body", "source_contact_id"]
    assert Referral.objects.count() == before
