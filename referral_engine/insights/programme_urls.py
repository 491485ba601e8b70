"""The programme insight pages, included at insights/ (config/urls.py)."""

from django.urls import path

from referral_engine.insights import programme_views as views

urlpatterns = [
    path("programme/", views.programme_home, name="insights_programme"),
    path("programme/source-mix/", views.source_mix_page, name="programme_source_mix"),
    path("programme/referred/", views.referred_page, name="programme_referred"),
    path("programme/value-per-hour/", views.value_per_hour_page, name="programme_value_per_hour"),
    path("programme/chains/", views.chains_page, name="programme_chains"),
    path("programme/influencers/", views.influencers_page, name="programme_influencers"),
    path(
        "programme/influencers/<int:contact_id>/task/",
        views.influencer_task,
        name="programme_influencer_task",
    ),
    path("programme/health/", views.health_page, name="programme_health"),
    path("programme/<slug:slug>/<slug:chart>.csv", views.programme_csv, name="programme_csv"),
]
