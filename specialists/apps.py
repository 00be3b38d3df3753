from django.apps import AppConfig


class SpecialistsConfig(AppConfig):
    name = "specialists"
    verbose_name = "Specialists"
