from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "warden.backups"
    label = "backups"
    verbose_name = "Backups"
