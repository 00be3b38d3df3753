from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from cases import page
        from cases.state_machine import on_transition
        from secondopinion.notifications.outbox import register_email_kind

        from . import services

        for kind in services.EMAIL_KINDS:
            register_email_kind(kind, compose=services.compose_referral_email)
        on_transition(services.case_status_changed)
        page.select_related("referral")
