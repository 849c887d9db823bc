from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "warden.incidents"
    label = "incidents"
    verbose_name = "E-safety incidents"
