from django.urls import path

from referral_engine.partners import views

urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/touchpoints/", views.partner_touchpoint_create, name="partner_touchpoint_create"),
    path("<int:pk>/asks/", views.partner_ask_create, name="partner_ask_create"),
]
