from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "warden.monitoring"
    label = "monitoring"
    verbose_name = "Filtering and monitoring"

    def ready(self) -> None:
        # Filtering: people and accounts changed elsewhere move users between filter groups.
        from warden.monitoring import filtering_signals  # noqa: F401
