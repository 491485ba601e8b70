"""/rewards: list and read rewards; approve, decline (owners and admins) and mark paid (any employee).

Employees' tokens only: a partner follows their rewards in the portal. Another workspace's reward is a 404;
a reward already decided is a 409, and so is an approval that would exceed the year's budget.
"""

from ninja import Query, Router
from ninja.errors import AuthorizationError

from referral_engine.core.api import Page, employee_auth, paginate, query_error, workspace_of
from referral_engine.referrals import reward_selectors as selectors
from referral_engine.referrals import rewards as services
from referral_engine.referrals.reward_schemas import (
    REWARD_ORDERINGS,
    RewardDeclineIn,
    RewardOut,
    RewardPayIn,
    RewardQuery,
)

router = Router(tags=["rewards"], auth=employee_auth)


def _managers_only(request) -> None:
    if not request.auth.can_manage:
        raise AuthorizationError(message="Only an owner or an admin can approve or decline rewards.")


def _read(request, id: int):
    workspace = workspace_of(request)
    reward = selectors.reward_get(workspace=workspace, id=id)
    [reward] = selectors.reward_rows([reward], today=selectors.workspace_today(workspace=workspace))
    return reward


@router.get("", response=Page[RewardOut])
def reward_list(request, query: Query[RewardQuery]):
    """List rewards, newest first. Filter by `status` (or `held` / `ready`) and `referral_id`."""
    filters = query.filters()
    if filters.get("status") and filters["status"] not in selectors.REWARD_FILTERS:
        raise query_error("status", f"Choose one of: {', '.join(selectors.REWARD_FILTERS)}.")
    workspace = workspace_of(request)
    today = selectors.workspace_today(workspace=workspace)
    rewards = selectors.reward_list(workspace=workspace, today=today, **filters)
    page = paginate(rewards, query, orderings=REWARD_ORDERINGS)
    page["items"] = selectors.reward_rows(page["items"], today=today)
    return page


@router.get("/{int:id}", response=RewardOut)
def reward_get(request, id: int):
    """One reward with its status in plain words."""
    return _read(request, id)


@router.post("/{int:id}/approve", response=RewardOut)
def reward_approve(request, id: int):
    """Approve a proposed reward. 409 when it was already decided or would exceed this year's budget; emits
    the `reward.approved` webhook once."""
    _managers_only(request)
    reward = selectors.reward_get(workspace=workspace_of(request), id=id)
    services.reward_approve(reward=reward, actor=request.auth)
    return _read(request, id)


@router.post("/{int:id}/decline", response=RewardOut)
def reward_decline(request, id: int, payload: RewardDeclineIn):
    """Decline a proposed reward with a reason. 409 when it was already decided."""
    _managers_only(request)
    reward = selectors.reward_get(workspace=workspace_of(request), id=id)
    services.reward_decline(reward=reward, actor=request.auth, reason=payload.reason)
    return _read(request, id)


@router.post("/{int:id}/pay", response=RewardOut)
def reward_pay(request, id: int, payload: RewardPayIn = None):
    """Record that an approved reward was sent, at `paid_at` (default now). 409 before approval, while on
    hold, or once paid or declined."""
    reward = selectors.reward_get(workspace=workspace_of(request), id=id)
    paid_at = payload.paid_at if payload else None
    services.reward_pay(reward=reward, actor=request.auth, paid_at=paid_at)
    return _read(request, id)
