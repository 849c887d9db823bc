from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "warden.privacy"
    label = "privacy"
    verbose_name = "Data protection"
