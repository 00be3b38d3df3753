from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from secondopinion.notifications.selectors import register_case_link_check

        from . import selectors

        register_case_link_check(selectors.openable_case_references)
