"""The one NinjaAPI: each area contributes its router; core.api answers every error in one shape."""

from ninja import NinjaAPI

from referral_engine.asking.api import ask_list_router, ask_suggestion_router, referral_profile_router
from referral_engine.core.api import install_error_handlers
from referral_engine.engagement.api import ask_router, task_router
from referral_engine.engagement.message_template_api import router as message_template_router
from referral_engine.feedback.api import insights_router as nps_insights_router
from referral_engine.feedback.api import router as nps_response_router
from referral_engine.insights.api import account_value_router, contact_rq_router, insights_router
from referral_engine.insights.programme_api import router as programme_router
from referral_engine.intake.api import router as referral_link_router
from referral_engine.journeys.api import journey_router, project_end_router
from referral_engine.partners.api import router as partner_router
from referral_engine.propensity.api import contact_propensity_router, leaderboard_router, propensity_router
from referral_engine.referrals.api import router as referral_router
from referral_engine.referrals.reward_api import router as reward_router
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
api.add_router("/rewards", reward_router)
api.add_router("/referral-links", referral_link_router)
api.add_router("/touchpoints", touchpoint_router)
api.add_router("/asks", ask_router)
api.add_router("/ask-lists", ask_list_router)
api.add_router("/ask-suggestions", ask_suggestion_router)
api.add_router("/referral-profile", referral_profile_router)
api.add_router("/nps-responses", nps_response_router)
api.add_router("/insights/nps", nps_insights_router)
api.add_router("/tasks", task_router)
api.add_router("/message-templates", message_template_router)
api.add_router("/insights", insights_router)
api.add_router("/insights", programme_router)  # source-mix, chains, influencers, ... (issue 7)
api.add_router("/accounts", account_value_router)
api.add_router("/contacts", contact_rq_router)
api.add_router("/insights/propensity", propensity_router)
api.add_router("/insights/leaderboard", leaderboard_router)
api.add_router("/contacts", contact_propensity_router)
api.add_router("/journeys", journey_router)
api.add_router("/project-ends", project_end_router)
