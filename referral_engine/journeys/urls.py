from django.urls import path

from referral_engine.journeys import views

urlpatterns = [
    path("settings/journeys/", views.plan_list, name="journey_plan_list"),
    path("settings/journeys/new/", views.plan_create, name="journey_plan_create"),
    path("settings/journeys/reminders/", views.reminder_settings_edit, name="reminder_settings_edit"),
    path("settings/journeys/<int:pk>/", views.plan_edit, name="journey_plan_edit"),
    path("settings/journeys/<int:pk>/delete/", views.plan_delete, name="journey_plan_delete"),
    path("settings/journeys/<int:pk>/steps/", views.step_create, name="journey_step_create"),
    path("settings/journeys/<int:pk>/steps/<int:step_pk>/", views.step_edit, name="journey_step_edit"),
    path(
        "settings/journeys/<int:pk>/steps/<int:step_pk>/delete/",
        views.step_delete,
        name="journey_step_delete",
    ),
    path("accounts/<int:pk>/project-end/", views.project_end_create, name="project_end_create"),
    path("profile/reminders/digest/", views.digest_preference, name="digest_preference"),
    path("profile/reminders/calendar/", views.calendar_create, name="calendar_create"),
    path("profile/reminders/calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    # The secret in the address is the credential: calendar clients cannot sign in.
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
