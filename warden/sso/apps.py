from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "warden.sso"
    label = "sso"
    verbose_name = "Single sign-on"
