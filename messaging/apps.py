from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from cases import page

        from . import selectors

        page.annotate("unread_messages", selectors.unread_count, dashboard=True)
        page.add_section(selectors.case_page_section)
