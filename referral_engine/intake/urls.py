from django.urls import path

from referral_engine.intake import views

urlpatterns = [
    # Public: the form a personal link opens, and its thank-you page.
    path("r/", views.referral_code_entry, name="referral_code_entry"),
    path("r/<str:code>/", views.referral_link_form, name="referral_link_form"),
    path("r/<str:code>/thanks/", views.referral_link_thanks, name="referral_link_thanks"),
    # Signed in: give, revoke and renew links.
    path("links/new/", views.referral_link_create, name="referral_link_create"),
    path("links/mine/", views.referral_link_mine, name="referral_link_mine"),
    path("links/<int:pk>/revoke/", views.referral_link_revoke, name="referral_link_revoke"),
    path("links/<int:pk>/rotate/", views.referral_link_rotate, name="referral_link_rotate"),
]
