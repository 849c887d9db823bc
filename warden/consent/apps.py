from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "warden.consent"
    label = "consent"
    verbose_name = "Consent for images and publication"
