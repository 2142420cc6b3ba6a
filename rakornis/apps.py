from django.apps import AppConfig
from django.db.backends.signals import connection_created


class RakornisConfig(AppConfig):
    name = "rakornis"
    verbose_name = "Rakornis"

    def ready(self) -> None:
        from rakornis import (
            checks,  # noqa: F401 (registers the project's system checks)
            fiscal_year,  # noqa: F401 (the header's years, probed at sign-in)
        )
        from rakornis.sqlite_sum import install_exact_sum

        connection_created.connect(install_exact_sum, dispatch_uid="rakornis_exact_sum")
