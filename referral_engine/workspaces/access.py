"""Who may see what in the web app: the current workspace and membership of a request, and view guards.

The current workspace is kept in the session (switchable); a signed-in user with no active membership in it
falls back to their first workspace. Partners may open only the partner portal.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from referral_engine.workspaces.models import Membership, Role
from referral_engine.workspaces.selectors import memberships_of_user

SESSION_KEY = "workspace_id"


def current_membership(request: HttpRequest) -> Membership | None:
    if not request.user.is_authenticated:
        return None
    memberships = list(memberships_of_user(user=request.user))
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.workspace_id == wanted:
            return membership
    return memberships[0] if memberships else None


class WorkspaceMiddleware:
    """Sets request.membership and request.workspace (or None) for every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = current_membership(request)
        request.membership = membership
        request.workspace = membership.workspace if membership else None
        return self.get_response(request)


def _guard(allowed: Callable[[Membership], bool]):
    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                login = redirect_to_login(request.headers.get("HX-Current-URL") or request.get_full_path())
                if getattr(request, "htmx", False):
                    # An htmx request would swap the sign-in page into a fragment; make the browser go there.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = login["Location"]
                    return response
                return login
            membership = getattr(request, "membership", None)
            # 404, not 403: a page that is not yours does not exist for you.
            if membership is None or not allowed(membership):
                raise Http404("Not found")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


employee_required = _guard(lambda m: m.role != Role.PARTNER)
manager_required = _guard(lambda m: m.role in (Role.OWNER, Role.ADMIN))
partner_required = _guard(lambda m: m.role == Role.PARTNER)
