from django.urls import path

from referral_engine.relationships import views

urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/touchpoints/", views.account_touchpoint_create, name="account_touchpoint_create"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/touchpoints/", views.contact_touchpoint_create, name="contact_touchpoint_create"),
    path("contacts/<int:pk>/asks/", views.contact_ask_create, name="contact_ask_create"),
]
