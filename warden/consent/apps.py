from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "warden.consent"
    label = "consent"
    verbose_name = "Consent for images and publication"

    def ready(self) -> None:
        # The register and core tell whoever listens that people or schools changed.
        from warden.consent.receivers import on_people_changed, on_school_registered
        from warden.core.signals import school_registered
        from warden.people.signals import people_changed

        people_changed.connect(on_people_changed, dispatch_uid="consent.admission_packs")
        school_registered.connect(on_school_registered, dispatch_uid="consent.starters")
