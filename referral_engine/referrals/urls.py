from django.urls import path

from referral_engine.referrals import views

urlpatterns = [
    path("", views.referral_board, name="referral_board"),
    path("list/", views.referral_list, name="referral_list"),
    path("new/", views.referral_create, name="referral_create"),
    path("lookup/", views.referral_lookup, name="referral_lookup"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/move/", views.referral_move, name="referral_move"),
]
