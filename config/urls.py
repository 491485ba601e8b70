from django.contrib import admin
from django.urls import include, path

from config.api import api
from referral_engine.core.search import search_view
from referral_engine.referrals.reward_views import reward_status_public

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("referral_engine.engagement.urls")),  # today at /
    path("", include("referral_engine.asking.urls")),  # ask lists, referral profile, ask scripts
    # settings/journeys/, profile reminders, calendar/<token>.ics
    path("", include("referral_engine.journeys.urls")),
    path("", include("referral_engine.workspaces.urls")),  # sign-in, invitations, profile, settings
    path("portal/", include("referral_engine.partners.portal_urls")),
    path("referrals/", include("referral_engine.referrals.urls")),
    path("", include("referral_engine.relationships.urls")),  # accounts/ and contacts/
    path("partners/", include("referral_engine.partners.urls")),
    path("search/", search_view, name="search"),
    path("insights/", include("referral_engine.insights.urls")),
    path("insights/", include("referral_engine.insights.programme_urls")),  # programme/ (issue 7)
    path("insights/", include("referral_engine.propensity.urls")),  # propensity/ and leaderboard/
    path("", include("referral_engine.feedback.urls")),  # insights/nps/ and s/<token>/ (public survey page)
    path("rewards/status/<str:token>/", reward_status_public, name="reward_status_public"),
    path("", include("referral_engine.intake.urls")),  # r/<code>/ (public referral form) and links/
]
