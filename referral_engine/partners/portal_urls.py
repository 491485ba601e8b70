from django.urls import path

from referral_engine.partners import portal_views

urlpatterns = [
    path("", portal_views.portal, name="portal"),
]
