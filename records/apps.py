from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Medical records"

    def ready(self) -> None:
        from secondopinion.notifications.outbox import register_email_kind

        from . import services

        for kind in (services.REQUEST_EMAIL, services.REMINDER_EMAIL):
            register_email_kind(
                kind,
                compose=services.compose_provider_email,
                after_sent=services.provider_email_sent,
            )
