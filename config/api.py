"""The one NinjaAPI: each area contributes its router; core.api answers every error in one shape."""

from ninja import NinjaAPI

from referral_engine.core.api import install_error_handlers
from referral_engine.engagement.api import ask_router, task_router
from referral_engine.feedback.api import router as nps_response_router
from referral_engine.partners.api import router as partner_router
from referral_engine.referrals.api import router as referral_router
from referral_engine.relationships.api import (
    account_router,
    contact_router,
    purchase_router,
    touchpoint_router,
)

api = NinjaAPI(
    title="Referral Engine API",
    version="1",
    urls_namespace="api",
    description="Every request carries `Authorization: Bearer <token>`; "
    "create a token with `referral-engine token create`. See docs/api.md.",
)
install_error_handlers(api)

api.add_router("/accounts", account_router)
api.add_router("/contacts", contact_router)
api.add_router("/partners", partner_router)
api.add_router("/purchases", purchase_router)
api.add_router("/referrals", referral_router)
api.add_router("/touchpoints", touchpoint_router)
api.add_router("/asks", ask_router)
api.add_router("/nps-responses", nps_response_router)
api.add_router("/tasks", task_router)
