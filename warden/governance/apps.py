from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "warden.governance"
    label = "governance"
    verbose_name = "Governance"
