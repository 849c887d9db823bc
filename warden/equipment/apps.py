from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "warden.equipment"
    label = "equipment"
    verbose_name = "Equipment"
