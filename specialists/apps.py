from django.apps import AppConfig


class SpecialistsConfig(AppConfig):
    name = "specialists"
    verbose_name = "Specialists"

    def ready(self) -> None:
        from cases import hooks, page
        from cases.state_machine import on_transition

        from . import offers, selectors, services
        from .lookups import AnyOf
        from .models import Affiliation, ConflictDeclaration, FinancialRelationship, Specialist

        # Matching looks specialists and their ties up by long lists of ids.
        for field in (
            Specialist._meta.pk,
            Specialist.specialties.through._meta.get_field("specialist"),
            Affiliation._meta.get_field("specialist"),
            FinancialRelationship._meta.get_field("specialist"),
            ConflictDeclaration._meta.get_field("specialist"),
        ):
            field.register_lookup(AnyOf)
        on_transition(services.keep_open_load)
        on_transition(offers.withdraw_open_offer)
        hooks.case_ids_offered_to.provide(selectors.case_ids_offered_to)
        hooks.is_offered_to.provide(selectors.is_offered_to)
        hooks.report_languages.provide(selectors.report_languages)
        page.annotate("has_language_waiver", lambda user: selectors.has_language_waiver())
        page.add_section(selectors.case_page_section)
        hooks.specialist_dashboard.provide(selectors.dashboard_for)
