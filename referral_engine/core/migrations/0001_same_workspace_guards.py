"""Cross-workspace references are refused by the database itself (see SameWorkspaceGuard)."""

from django.db import migrations

from referral_engine.core.db import SameWorkspaceGuard


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0001_initial"),
        ("relationships", "0002_initial"),
        ("partners", "0003_initial"),
        ("referrals", "0002_initial"),
        ("engagement", "0002_initial"),
        ("feedback", "0003_initial"),
    ]

    operations = [
        # partners
        SameWorkspaceGuard(
            "partners_partner",
            [("networking_group_id", "partners_networkinggroup"), ("owner_id", "workspaces_membership")],
        ),
        SameWorkspaceGuard("partners_event", [("networking_group_id", "partners_networkinggroup")]),
        SameWorkspaceGuard(
            "partners_attendance",
            [
                ("event_id", "partners_event"),
                ("employee_id", "workspaces_membership"),
                ("contact_id", "relationships_contact"),
                ("partner_id", "partners_partner"),
            ],
        ),
        # relationships
        SameWorkspaceGuard(
            "relationships_contact",
            [("account_id", "relationships_account"), ("owner_id", "workspaces_membership")],
        ),
        SameWorkspaceGuard("relationships_account", [("owner_id", "workspaces_membership")]),
        SameWorkspaceGuard(
            "relationships_contactlink",
            [("from_contact_id", "relationships_contact"), ("to_contact_id", "relationships_contact")],
        ),
        SameWorkspaceGuard("relationships_purchase", [("account_id", "relationships_account")]),
        SameWorkspaceGuard(
            "relationships_touchpoint",
            [
                ("contact_id", "relationships_contact"),
                ("account_id", "relationships_account"),
                ("partner_id", "partners_partner"),
                ("employee_id", "workspaces_membership"),
            ],
        ),
        # referrals
        SameWorkspaceGuard(
            "referrals_referral",
            [
                ("source_contact_id", "relationships_contact"),
                ("source_partner_id", "partners_partner"),
                ("source_employee_id", "workspaces_membership"),
                ("source_event_id", "partners_event"),
                ("referred_account_id", "relationships_account"),
                ("referred_contact_id", "relationships_contact"),
                ("owner_id", "workspaces_membership"),
                ("parent_id", "referrals_referral"),
            ],
        ),
        SameWorkspaceGuard("referrals_reward", [("referral_id", "referrals_referral")]),
        # engagement
        SameWorkspaceGuard(
            "engagement_ask",
            [
                ("asker_id", "workspaces_membership"),
                ("contact_id", "relationships_contact"),
                ("partner_id", "partners_partner"),
                ("referral_id", "referrals_referral"),
            ],
        ),
        SameWorkspaceGuard(
            "engagement_task",
            [
                ("assignee_id", "workspaces_membership"),
                ("account_id", "relationships_account"),
                ("contact_id", "relationships_contact"),
                ("partner_id", "partners_partner"),
                ("referral_id", "referrals_referral"),
            ],
        ),
        # feedback
        SameWorkspaceGuard("feedback_surveyinvitation", [("contact_id", "relationships_contact")]),
        SameWorkspaceGuard(
            "feedback_npsresponse",
            [("contact_id", "relationships_contact"), ("account_id", "relationships_account")],
        ),
    ]
