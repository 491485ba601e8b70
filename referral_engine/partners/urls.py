from django.urls import path

from referral_engine.partners import ledger_views, views

urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/touchpoints/", views.partner_touchpoint_create, name="partner_touchpoint_create"),
    path("<int:pk>/asks/", views.partner_ask_create, name="partner_ask_create"),
    # The reciprocity ledger, who to refer to whom, networking groups and events (docs/partners.md).
    path("ledger/", ledger_views.ledger_list, name="partner_ledger"),
    path("ledger/settings/", ledger_views.programme_settings, name="partner_programme_settings"),
    path("<int:pk>/ledger.csv", ledger_views.partner_ledger_csv, name="partner_ledger_csv"),
    path("given/", ledger_views.given_create, name="partner_given_create"),
    path("given/<int:pk>/", ledger_views.given_update, name="partner_given_update"),
    path("suggestions/", ledger_views.suggestion_list, name="partner_suggestions"),
    path("groups/", ledger_views.group_list, name="partner_groups"),
    path("groups/<int:pk>/", ledger_views.group_detail, name="partner_group_detail"),
    path("events/", ledger_views.event_list, name="partner_events"),
    path("events/<int:pk>/", ledger_views.event_detail, name="partner_event_detail"),
]
