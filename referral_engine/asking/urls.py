from django.urls import path

from referral_engine.asking import views

urlpatterns = [
    path("asks/suggestions/<int:pk>/outcome/", views.suggestion_outcome, name="ask_suggestion_outcome"),
    path("contacts/<int:pk>/success-moments/", views.success_moment_create, name="success_moment_create"),
    # Beside the contact's log-an-ask URL, so the ask form can offer it from its own action.
    path("contacts/<int:pk>/asks/meeting-task/", views.support_meeting_task, name="support_meeting_task"),
    path(
        "partners/<int:pk>/asks/meeting-task/",
        views.partner_support_meeting_task,
        name="partner_support_meeting_task",
    ),
    path("settings/referral-profile/", views.profile_edit, name="ask_profile_edit"),
    path("settings/ask-scripts/", views.script_list, name="ask_script_list"),
    path("settings/ask-scripts/<str:situation>/", views.script_edit, name="ask_script_edit"),
    path("settings/ask-scripts/<str:situation>/reset/", views.script_reset, name="ask_script_reset"),
]
