from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "secondopinion.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import outbox, services

        for kind in services.EMAIL_TEMPLATES:
            outbox.register_email_kind(kind, compose=services.compose_update_email)
