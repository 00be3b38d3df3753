from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Medical records"

    def ready(self) -> None:
        from cases import hooks, page
        from secondopinion.notifications.outbox import register_email_kind

        from . import provider_requests, selectors

        for kind in (provider_requests.REQUEST_EMAIL, provider_requests.REMINDER_EMAIL):
            register_email_kind(
                kind,
                compose=provider_requests.compose_provider_email,
                after_sent=provider_requests.provider_email_sent,
            )
        hooks.has_records.provide(selectors.case_has_records)
        page.annotate(
            "has_records", lambda user: selectors.has_records(), page=False, dashboard=True
        )
        page.annotate("has_records_requests", lambda user: selectors.has_records_requests())
        page.annotate("record_count", lambda user: selectors.record_count())
        page.add_section(selectors.case_page_section)
        hooks.records_of.provide(selectors.records_for_case)
