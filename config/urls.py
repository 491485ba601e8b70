from django.contrib import admin
from django.urls import include, path

from config.api import api
from referral_engine.core.search import search_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("referral_engine.engagement.urls")),  # today at /
    path("", include("referral_engine.workspaces.urls")),  # sign-in, invitations, profile, settings
    path("portal/", include("referral_engine.partners.portal_urls")),
    path("referrals/", include("referral_engine.referrals.urls")),
    path("", include("referral_engine.relationships.urls")),  # accounts/ and contacts/
    path("partners/", include("referral_engine.partners.urls")),
    path("search/", search_view, name="search"),
]
