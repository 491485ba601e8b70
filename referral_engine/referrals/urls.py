from django.urls import include, path

from referral_engine.referrals import views

urlpatterns = [
    path("", views.referral_board, name="referral_board"),
    path("list/", views.referral_list, name="referral_list"),
    path("new/", views.referral_create, name="referral_create"),
    path("lookup/", views.referral_lookup, name="referral_lookup"),
    path("rewards/", include("referral_engine.referrals.reward_urls")),
    path("import/", views.referral_import, name="referral_import"),
    path("import/template.csv", views.referral_import_template, name="referral_import_template"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/move/", views.referral_move, name="referral_move"),
    path("<int:pk>/chain/", views.referral_chain, name="referral_chain"),
    path("<int:pk>/parent/", views.referral_parent, name="referral_parent"),
    path("duplicates/", views.referral_match_list, name="referral_match_list"),
    path("duplicates/<int:pk>/decide/", views.referral_match_decide, name="referral_match_decide"),
]
