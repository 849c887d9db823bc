from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "warden.agreements"
    label = "agreements"
    verbose_name = "Acceptable-use agreements"

    def ready(self) -> None:
        # The register tells whoever listens that people changed, without knowing who.
        from warden.agreements.receivers import on_people_changed
        from warden.people.signals import people_changed

        people_changed.connect(on_people_changed, dispatch_uid="agreements.standings")
