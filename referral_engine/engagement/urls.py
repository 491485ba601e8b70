from django.urls import path

from referral_engine.engagement import message_template_views, views

urlpatterns = [
    path("", views.today, name="today"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/snooze/", views.task_snooze, name="task_snooze"),
    path(
        "settings/update-emails/", message_template_views.message_template_list, name="message_template_list"
    ),
    path(
        "settings/update-emails/<str:key>/",
        message_template_views.message_template_edit,
        name="message_template_edit",
    ),
    path(
        "settings/update-emails/<str:key>/preview/",
        message_template_views.message_template_preview,
        name="message_template_preview",
    ),
    path(
        "settings/update-emails/<str:key>/reset/",
        message_template_views.message_template_reset,
        name="message_template_reset",
    ),
]
