from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "warden.records"
    label = "records"
    verbose_name = "Subject access and retention"
