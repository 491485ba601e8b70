"""Reward pages under /referrals/rewards/ (included from referrals/urls.py)."""

from django.urls import path

from referral_engine.referrals import reward_views

urlpatterns = [
    path("", reward_views.reward_list, name="reward_list"),
    path("settings/", reward_views.reward_settings, name="reward_settings"),
    path("rules/<int:pk>/", reward_views.reward_rule_edit, name="reward_rule_edit"),
    path("rules/<int:pk>/delete/", reward_views.reward_rule_delete, name="reward_rule_delete"),
    path("<int:pk>/approve/", reward_views.reward_approve, name="reward_approve"),
    path("<int:pk>/decline/", reward_views.reward_decline, name="reward_decline"),
    path("<int:pk>/pay/", reward_views.reward_pay, name="reward_pay"),
]
