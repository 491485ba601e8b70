"""Guards for the references the first guard migration left out."""

from django.db import migrations

from referral_engine.core.db import SameWorkspaceGuard


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_same_workspace_guards"),
        ("workspaces", "0002_invitation"),
    ]

    operations = [
        SameWorkspaceGuard("relationships_touchpoint", [("event_id", "partners_event")], suffix="_2"),
        SameWorkspaceGuard("referrals_reward", [("approved_by_id", "workspaces_membership")], suffix="_2"),
        SameWorkspaceGuard("partners_partner", [("portal_membership_id", "workspaces_membership")], suffix="_2"),
        SameWorkspaceGuard("workspaces_membership", [("lead_id", "workspaces_membership")]),
        SameWorkspaceGuard("workspaces_apitoken", [("membership_id", "workspaces_membership")]),
        SameWorkspaceGuard("feedback_npsresponse", [("invitation_id", "feedback_surveyinvitation")], suffix="_2"),
    ]
