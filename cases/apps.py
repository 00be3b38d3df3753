from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from secondopinion.notifications.outbox import register_email_kind

        from . import referrals

        for kind in referrals.EMAIL_KINDS:
            register_email_kind(kind, compose=referrals.compose_referral_email)
