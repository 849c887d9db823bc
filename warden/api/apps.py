from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "warden.api"
    label = "api"
    verbose_name = "API"
