from django.urls import path

from referral_engine.partners import ledger_views, portal_views
from referral_engine.referrals import reward_views

urlpatterns = [
    path("", portal_views.portal, name="portal"),
    path("ledger/", ledger_views.portal_ledger, name="portal_ledger"),
    path("rewards/", reward_views.portal_rewards, name="portal_rewards"),
]
