from django.apps import AppConfig


class SpecialistsConfig(AppConfig):
    name = "specialists"
    verbose_name = "Specialists"

    def ready(self) -> None:
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
