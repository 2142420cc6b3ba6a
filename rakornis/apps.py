from django.apps import AppConfig


class RakornisConfig(AppConfig):
    name = "rakornis"
    verbose_name = "Rakornis"
