from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "warden.privacy"
    label = "privacy"
    verbose_name = "Data protection"

    def ready(self) -> None:
        # Equipment and the incident log report possible breaches without knowing this
        # area exists: a handler in equipment's list, a receiver of the incident signal.
        from warden.equipment.breach import HANDLERS
        from warden.incidents.signals import data_breach_reported
        from warden.privacy.receivers import on_data_breach_reported, on_possible_breach

        if on_possible_breach not in HANDLERS:
            HANDLERS.append(on_possible_breach)
        data_breach_reported.connect(on_data_breach_reported, dispatch_uid="privacy.open_breach")
