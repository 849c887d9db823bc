from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "warden.core"
    label = "core"
    verbose_name = "Warden core"

    def ready(self) -> None:
        from warden.core import signals  # noqa: F401
