from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "warden.safeguarding"
    label = "safeguarding"
    verbose_name = "Welfare concerns (safeguarding)"
