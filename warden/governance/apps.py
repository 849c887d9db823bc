from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "warden.governance"
    label = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # The register and the incident log tell whoever listens; neither knows governance.
        from warden.governance.receivers import on_data_breach_reported, on_people_changed
        from warden.incidents.signals import data_breach_reported
        from warden.people.signals import people_changed

        people_changed.connect(on_people_changed, dispatch_uid="governance.training")
        data_breach_reported.connect(on_data_breach_reported, dispatch_uid="governance.policies")
