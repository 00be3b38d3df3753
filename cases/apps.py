from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from secondopinion.notifications.outbox import register_email_kind
        from secondopinion.notifications.selectors import register_case_link_check

        from . import referrals, selectors

        for kind in referrals.EMAIL_KINDS:
            register_email_kind(kind, compose=referrals.compose_referral_email)
        register_case_link_check(selectors.openable_case_references)
