from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "warden.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from warden.accounts.receivers import on_person_leaving
        from warden.people.signals import person_leaving

        person_leaving.connect(on_person_leaving, dispatch_uid="accounts.leaver_deadlines")
