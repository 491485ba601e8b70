"""The programme insight pages, included at insights/ (config/urls.py)."""

from django.urls import path

from referral_engine.insights import programme_views as views

urlpatterns = [
    path("programme/", views.programme_home, name="insights_programme"),
    # One page per insight, each under its own name (programme_source_mix, ...): views.PAGES.
    *[
        path(f"programme/{slug}/", views.programme_page, {"slug": slug}, name=name)
        for slug, (name, _, _) in views.PAGES.items()
    ],
    path(
        "programme/influencers/<int:contact_id>/task/",
        views.influencer_task,
        name="programme_influencer_task",
    ),
    path("programme/<slug:slug>/<slug:chart>.csv", views.programme_csv, name="programme_csv"),
]
