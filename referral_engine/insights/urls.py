from django.urls import path

from referral_engine.insights import views

urlpatterns = [
    path("", views.insights_home, name="insights"),
    path("value/", views.value_page, name="insights_value"),
    path("value/refresh/", views.value_refresh, name="insights_refresh"),
    path("value/<str:chart>.csv", views.value_csv, name="insights_value_csv"),
    path("settings/", views.value_settings_page, name="value_settings"),
]
