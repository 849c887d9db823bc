from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "warden.people"
    label = "people"
    verbose_name = "People register"
