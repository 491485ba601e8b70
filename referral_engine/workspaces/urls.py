from django.urls import path

from referral_engine.workspaces import views

urlpatterns = [
    path("signin/", views.SignInView.as_view(), name="login"),
    path("signout/", views.SignOutView.as_view(), name="logout"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password-reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("workspace/switch/", views.workspace_switch, name="workspace_switch"),
    path("profile/", views.profile, name="profile"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/workspace/", views.workspace_rename, name="workspace_rename"),
    path("settings/invitations/", views.invitation_create, name="invitation_create"),
    path("settings/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("settings/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]
