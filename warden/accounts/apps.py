from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "warden.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from warden.accounts.receivers import on_person_leaving
        from warden.people.signals import person_leaving

        person_leaving.connect(on_person_leaving, dispatch_uid="accounts.leaver_deadlines")

        from django.contrib.auth.signals import user_logged_in

        from warden.accounts.receivers import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.breached_sign_in")
