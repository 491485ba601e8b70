from django.urls import path

from referral_engine.propensity import views

urlpatterns = [
    path("propensity/", views.propensity_page, name="insights_propensity"),
    path("leaderboard/", views.leaderboard_page, name="insights_leaderboard"),
]
