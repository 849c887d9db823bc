from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "warden.reporting"
    label = "reporting"
    verbose_name = "Reports for governors"
