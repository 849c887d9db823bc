from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "warden.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"
