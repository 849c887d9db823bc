from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "warden.publication"
    label = "publication"
    verbose_name = "Media and publication"
