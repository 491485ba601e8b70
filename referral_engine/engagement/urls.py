from django.urls import path

from referral_engine.engagement import views

urlpatterns = [
    path("", views.today, name="today"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/snooze/", views.task_snooze, name="task_snooze"),
]
