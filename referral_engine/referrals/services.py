"""Writes for referrals: intake and moving through the pipeline."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from referral_engine.core.errors import field_error
from referral_engine.core.validation import (
    EMPLOYEE,
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.referrals.deadlines import first_contact_due
from referral_engine.referrals.gratitude import referral_stage_news_create, referral_thanks_create
from referral_engine.referrals.models import (
    STAGE_FIELDS,
    STATUS_STAGE_FIELD,
    Referral,
    ReferralStatus,
    SourceKind,
)
from referral_engine.referrals.notify import referral_moved_emit, referral_received_emit
from referral_engine.referrals.rewards import referral_rewards_sync
from referral_engine.referrals.tiers import referral_parent_detect
from referral_engine.relationships.services import account_create
from referral_engine.workspaces.models import Membership, Workspace

# Respond promptly (seed 000). New referrals count working days (deadlines.first_contact_due, a workspace setting);
# this calendar day is kept for the demo generator.
FIRST_CONTACT_WITHIN = timedelta(days=1)

REFERRAL_FIELDS = (
    "source_kind",
    "source_contact",
    "source_partner",
    "source_employee",
    "source_event",
    "group",  # the networking group it came from (attribution, partners/ledger)
    "source_name",
    "referred_account",
    "referred_contact",
    "owner",
    "received_at",
    "first_contact_due",
    "parent",
    "story",
)
# Fields an update may also touch once a referral is closed.
REFERRAL_UPDATE_FIELDS = (*REFERRAL_FIELDS, "won_value", "lost_reason")
REFERRAL_RELATIONS = {
    "source_contact": "contact",
    "source_partner": "partner",
    "source_employee": EMPLOYEE,
    "source_event": "event",
    "group": "networking group",
    "referred_account": "account",
    "referred_contact": "contact",
    "owner": EMPLOYEE,
    "parent": "referral",
}
SOURCE_FIELD = {
    SourceKind.CUSTOMER: ("source_contact", "A customer referral needs the contact who referred it."),
    SourceKind.PARTNER: ("source_partner", "A partner referral needs the partner who referred it."),
    SourceKind.EMPLOYEE: ("source_employee", "An employee referral needs the employee who referred it."),
    SourceKind.EVENT: ("source_event", "An event referral needs the event it came from."),
}
STAGE_LABEL = {
    "received_at": "received",
    "contacted_at": "contacted",
    "meeting_at": "met",
    "proposal_at": "sent a proposal",
    "closed_at": "closed",
}


def _referral_check(referral: Referral) -> None:
    errors: dict = {}
    # The source record matching the kind must be there (the model's referral_source_matches_kind).
    if referral.source_kind not in SourceKind.values:
        errors["source_kind"] = [f"Choose one of: {', '.join(SourceKind.values)}."]
    else:
        needed = SOURCE_FIELD.get(referral.source_kind)
        if needed and getattr(referral, f"{needed[0]}_id") is None:
            errors[needed[0]] = [needed[1]]
    if referral.referred_account_id is None:
        errors["referred_account"] = ["A referral needs the account that was referred."]
    if referral.parent_id is not None and referral.pk is not None and referral.parent_id == referral.pk:
        errors["parent"] = ["A referral cannot be its own parent."]
    elif referral.parent_id is not None and referral.pk is not None:
        from referral_engine.referrals.selectors import referral_ancestor_ids

        # A chain is a tree: a referral cannot come through one that came through it.
        if referral.pk in referral_ancestor_ids(workspace_id=referral.workspace_id, id=referral.parent_id):
            errors["parent"] = ["That referral came through this one; it cannot also be its parent."]
    if (
        referral.first_contact_due
        and referral.received_at
        and referral.first_contact_due < referral.received_at
    ):
        errors["first_contact_due"] = ["The first contact cannot be due before the referral was received."]
    stages = [(name, getattr(referral, name)) for name in STAGE_FIELDS if getattr(referral, name) is not None]
    for (earlier, earlier_at), (later, later_at) in zip(stages, stages[1:], strict=False):
        if later_at < earlier_at:
            errors.setdefault(later, []).append(
                f"This date is before the referral was {STAGE_LABEL[earlier]} ({earlier_at:%Y-%m-%d %H:%M})."
            )
    raise_if(errors)


@transaction.atomic
def referral_create(
    *, workspace: Workspace, actor: Membership | None, referred_account_name: str = "", **fields
) -> Referral:
    """Record a referral. It starts as received, tier 2 when it came through an earlier referral (`parent`).

    Without a `referred_account`, `referred_account_name` creates a new prospect account for it (the partner
    portal and the API let a referrer name a business they cannot look up).
    """
    check_fields(allowed=REFERRAL_FIELDS, given=fields, entity="referral_create")
    check_related(workspace=workspace, values=fields, relations=REFERRAL_RELATIONS)
    referred_account_name = (referred_account_name or "").strip()
    if fields.get("referred_account") is None:
        if not referred_account_name:
            raise field_error("referred_account", "A referral needs the account that was referred.")
        fields["referred_account"] = account_create(
            workspace=workspace, actor=actor, name=referred_account_name
        )
    if fields.get("received_at") is None:
        fields["received_at"] = timezone.now()
    if fields.get("first_contact_due") is None:
        fields["first_contact_due"] = first_contact_due(
            workspace=workspace, received_at=fields["received_at"]
        )
    if fields.get("parent") is None:
        # Tier 2 detected from the referrer (referrals/tiers.py); a person can correct it later.
        fields["parent"] = referral_parent_detect(
            workspace=workspace,
            source_kind=fields.get("source_kind", ""),
            source_contact=fields.get("source_contact"),
            received_at=fields["received_at"],
        )
    referral = Referral(workspace=workspace, status=ReferralStatus.RECEIVED, **fields)
    referral.tier = 2 if referral.parent_id is not None else 1
    _referral_check(referral)
    referral = clean_and_save(referral)
    # Match first, so the thank-you names the existing account when the referral turned out to be a known one.
    referral_matches_record(referral=referral)
    referral_thanks_create(referral=referral)
    referral_received_emit(referral=referral)
    return referral


@transaction.atomic
def referral_update(*, instance: Referral, actor: Membership | None, **changes) -> Referral:
    """Edit a referral. A new `status` moves it through the pipeline (see referral_move) at `status_at`
    (default now), with `won_value` and `lost_reason` going along when it closes."""
    status = changes.pop("status", None)
    status_at = changes.pop("status_at", None)
    if status_at is not None and (status is None or status == instance.status):
        raise field_error("status_at", "Send the new status this time is for.")
    if status is not None and status != instance.status:
        try:
            instance = referral_move(
                referral=instance,
                actor=actor,
                status=status,
                at=status_at,
                won_value=changes.pop("won_value", None),
                lost_reason=changes.pop("lost_reason", "") or "",
            )
        except ValidationError as exc:
            # Here the stage time is called status_at; name it so the caller can find its field.
            errors = exc.message_dict
            if "at" in errors:
                errors["status_at"] = errors.pop("at")
            raise ValidationError(errors) from exc
    check_fields(allowed=REFERRAL_UPDATE_FIELDS, given=changes, entity="referral_update")
    check_related(workspace=instance.workspace, values=changes, relations=REFERRAL_RELATIONS)
    if "lost_reason" in changes and changes["lost_reason"] is None:
        changes["lost_reason"] = ""
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    if "parent" in changed:
        instance.tier = 2 if instance.parent_id is not None else 1
        changed.append("tier")
    errors: dict = {}
    if instance.status == ReferralStatus.WON and instance.won_value is None:
        errors["won_value"] = ["A won referral needs the value it was won for."]
    if instance.status == ReferralStatus.LOST and not instance.lost_reason.strip():
        errors["lost_reason"] = ["Say why the referral was lost."]
    raise_if(errors)
    _referral_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    actor: Membership | None,
    status: str,
    at: datetime | None = None,
    won_value: Decimal | None = None,
    lost_reason: str = "",
) -> Referral:
    """Move a referral to `status`, stamping that stage's time (`at`, default now).

    A stage may be skipped, but its time may not be earlier than a stage already recorded before it. Moving back
    (a mistake, or a deal reopened) clears the later stages, so the pipeline never shows a stage it has left.
    """
    if status not in ReferralStatus.values:
        raise field_error("status", f"Choose one of: {', '.join(ReferralStatus.values)}.")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise field_error("at", "Give the time with its time zone.")
    stage = STATUS_STAGE_FIELD[ReferralStatus(status)]
    position = STAGE_FIELDS.index(stage)
    errors: dict = {}
    for earlier in STAGE_FIELDS[:position]:
        earlier_at = getattr(referral, earlier)
        if earlier_at is not None and at < earlier_at:
            errors.setdefault("at", []).append(
                f"This date is before the referral was {STAGE_LABEL[earlier]} ({earlier_at:%Y-%m-%d %H:%M})."
            )
    lost_reason = (lost_reason or "").strip()
    if status == ReferralStatus.WON:
        if won_value is None:
            errors["won_value"] = ["A won referral needs the value it was won for."]
        elif won_value < 0:
            errors["won_value"] = ["The won value cannot be negative."]
    if status == ReferralStatus.LOST and not lost_reason:
        errors["lost_reason"] = ["Say why the referral was lost."]
    if errors:
        raise ValidationError(errors)

    changed = ["status", stage]
    from_status = referral.status
    referral.status = status
    setattr(referral, stage, at)
    for later in STAGE_FIELDS[position + 1 :]:
        if getattr(referral, later) is not None:
            setattr(referral, later, None)
            changed.append(later)
    referral.won_value = won_value if status == ReferralStatus.WON else None
    referral.lost_reason = lost_reason if status == ReferralStatus.LOST else ""
    changed += ["won_value", "lost_reason"]
    referral = clean_and_save(referral, update_fields=changed)
    referral_stage_news_create(referral=referral)
    referral_moved_emit(referral=referral, from_status=from_status)
    referral_rewards_sync(referral=referral)  # rewards: propose on won, withdraw when it leaves won
    return referral


@transaction.atomic
def referral_delete(*, instance: Referral, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This referral cannot be deleted.")


# ------------------------------------------------------------------------------------------- de-duplication
# (appended for issue 4 item 2; referral_create calls referral_matches_record once the referral is saved)

# An account or contact created at most this long before its referral was made for it (referral_create's
# `referred_account_name`), so merging it into the record it duplicates loses nothing a person chose.
CREATED_WITH_REFERRAL = timedelta(minutes=1)


def _created_with(row, referral: Referral) -> bool:
    return row is not None and row.created_at >= referral.created_at - CREATED_WITH_REFERRAL


def _nothing_references(row) -> bool:
    """True when deleting `row` would delete, protect or update nothing else."""
    from django.db import router
    from django.db.models.deletion import Collector, ProtectedError, RestrictedError

    collector = Collector(using=router.db_for_write(type(row)))
    try:
        collector.collect([row])
    except (ProtectedError, RestrictedError):
        return False
    if sum(len(rows) for rows in collector.data.values()) > 1:
        return False
    for updates in collector.field_updates.values():
        for batch in updates:
            if batch.exists() if hasattr(batch, "exists") else len(batch):
                return False
    return not any(qs.exists() for qs in collector.fast_deletes)


def _referral_link(*, referral: Referral, account=None, contact=None) -> None:
    """Point `referral` at an existing account and/or contact; an account or contact left behind that was made
    for this referral and nothing else refers to is deleted (the merge)."""
    old_account, old_contact = referral.referred_account, referral.referred_contact
    changed = []
    if contact is not None and referral.referred_contact_id != contact.pk:
        referral.referred_contact = contact
        changed.append("referred_contact")
        if account is None and contact.account_id is not None:
            account = contact.account
    if account is not None and referral.referred_account_id != account.pk:
        referral.referred_account = account
        changed.append("referred_account")
        # The person referred works at the business we already know.
        kept_contact = referral.referred_contact
        if kept_contact is not None and kept_contact.account_id == old_account.pk:
            kept_contact.account = account
            kept_contact.save(update_fields=["account", "updated_at"])
    if not changed:
        return
    clean_and_save(referral, update_fields=changed)
    left_behind = [old_contact if old_contact != referral.referred_contact else None]
    left_behind.append(old_account if old_account.pk != referral.referred_account_id else None)
    for row in left_behind:
        if _created_with(row, referral) and _nothing_references(row):
            row.delete()


@transaction.atomic
def referral_matches_record(*, referral: Referral, email: str = "") -> list:
    """Match a new referral against the workspace's accounts, contacts and open referrals, and keep the result.

    One sure match to an account or contact, when the referral came with a new account, links the referral to
    the existing record (auto_linked). Everything else — possible matches, several sure ones that disagree, a
    referral on an account a person picked, another open referral — waits for a person (pending). A match
    already recorded for this referral is not recorded twice. `email` is the address given at intake when the
    referral has no contact (or another address than its contact's).
    """
    from referral_engine.referrals.models import MatchDecision, ReferralMatch
    from referral_engine.referrals.selectors import referral_match_candidates

    contact = referral.referred_contact
    candidates = referral_match_candidates(
        workspace=referral.workspace,
        company=referral.referred_account.name,
        email=email or (contact.email if contact else ""),
        person_name=contact.name if contact else "",
        exclude_referral=referral,
    )
    sure_targets = {
        (m.kind, m.obj.pk) for m in candidates if m.level == "sure" and m.kind in ("account", "contact")
    }
    sure_accounts = {
        m.account.pk: m.account
        for m in candidates
        if m.level == "sure" and m.kind != "referral" and m.account
    }
    # Sure matches that disagree on the company (two accounts) are for a person to sort out.
    linking = (
        bool(sure_targets) and len(sure_accounts) <= 1 and _created_with(referral.referred_account, referral)
    )

    field_for = {"account": "matched_account", "contact": "matched_contact", "referral": "matched_referral"}
    now = timezone.now()
    recorded = []
    for match in candidates:
        target = {field_for[match.kind]: match.obj}
        if ReferralMatch.objects.filter(referral=referral, **target).exists():
            continue
        automatic = linking and match.kind != "referral" and match.level == "sure"
        recorded.append(
            ReferralMatch(
                workspace=referral.workspace,
                referral=referral,
                level=match.level,
                reasons=match.reasons,
                similarity=match.similarity,
                customer_flag=match.customer_flag,
                decision=MatchDecision.AUTO_LINKED if automatic else MatchDecision.PENDING,
                decided_at=now if automatic else None,
                **target,
            )
        )
    for row in recorded:
        clean_and_save(row)
    if linking:
        sure_contact = next((m.obj for m in candidates if m.level == "sure" and m.kind == "contact"), None)
        sure_account = next(iter(sure_accounts.values()), None)
        _referral_link(referral=referral, account=sure_account, contact=sure_contact)
    return recorded


@transaction.atomic
def referral_match_decide(*, match, actor: Membership, confirm: bool):
    """A person confirms a possible duplicate (the referral is linked to the matched record) or rejects it (the
    referral stays separate). Another workspace's match is a 404; a match already decided is a Conflict."""
    from django.http import Http404

    from referral_engine.core.errors import Conflict
    from referral_engine.core.validation import belongs
    from referral_engine.referrals.models import MatchDecision, ReferralMatch

    if actor is None or not belongs(actor, EMPLOYEE, match.workspace):
        raise Http404("Not found.")
    # Lock the row: two people deciding at once must not both win.
    match = ReferralMatch.objects.select_for_update().get(pk=match.pk, workspace_id=actor.workspace_id)
    if match.decision != MatchDecision.PENDING:
        raise Conflict(
            f"This match was already decided ({match.get_decision_display().lower()}).", "decision"
        )
    referral = match.referral
    if confirm:
        if match.matched_account is not None:
            _referral_link(referral=referral, account=match.matched_account)
        elif match.matched_contact is not None:
            _referral_link(referral=referral, contact=match.matched_contact)
        elif match.matched_referral is not None:
            other = match.matched_referral
            _referral_link(referral=referral, account=other.referred_account, contact=other.referred_contact)
        else:
            raise Conflict("The matched record no longer exists; reject this match instead.", "decision")
    match.decision = MatchDecision.CONFIRMED if confirm else MatchDecision.REJECTED
    match.decided_by = actor
    match.decided_at = timezone.now()
    return clean_and_save(match, update_fields=["decision", "decided_by", "decided_at"])
