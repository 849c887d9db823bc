from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "warden.incidents"
    label = "incidents"
    verbose_name = "E-safety incidents"

    def ready(self) -> None:
        # Monitoring sends its stored violations without knowing the incident log exists.
        from warden.incidents.receivers import on_violations_stored
        from warden.monitoring.signals import violations_stored

        violations_stored.connect(on_violations_stored, dispatch_uid="incidents.open_triage")
