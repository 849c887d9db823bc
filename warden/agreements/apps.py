from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "warden.agreements"
    label = "agreements"
    verbose_name = "Acceptable-use agreements"
