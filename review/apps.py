from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"

    def ready(self) -> None:
        from cases import page

        from . import selectors

        page.select_related("opinion__author__user")
        page.add_section(selectors.case_page_section)
