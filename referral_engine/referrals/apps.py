from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referral_engine.referrals"
    label = "referrals"
