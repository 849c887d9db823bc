from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "warden.monitoring"
    label = "monitoring"
    verbose_name = "Filtering and monitoring"
