from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "warden.demo"
    label = "demo"
    verbose_name = "Demo trust"
