from datetime import timedelta

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referral_engine.referrals"
    label = "referrals"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        register("referral_engine.referrals.tasks.check_first_contact_deadlines", every=timedelta(minutes=5))
        register("referral_engine.referrals.reward_tasks.release_held_rewards", every=timedelta(minutes=15))
