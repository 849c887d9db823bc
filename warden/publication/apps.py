from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "warden.publication"
    label = "publication"
    verbose_name = "Media and publication"

    def ready(self) -> None:
        # Consent says when a pupil may no longer appear; the register lists what to take down.
        from warden.consent.signals import consent_refused
        from warden.publication.receivers import on_consent_refused

        consent_refused.connect(on_consent_refused, dispatch_uid="publication.withdrawals")
