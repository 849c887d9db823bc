from django.apps import AppConfig


class RemoteAccessConfig(AppConfig):
    name = "warden.remoteaccess"
    label = "remoteaccess"
    verbose_name = "Remote access"
