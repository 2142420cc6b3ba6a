from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Program dan Usulan"

    def ready(self) -> None:
        # The header's unread count is taken at sign-in (a `user_logged_in` receiver).
        from programs import notifications  # noqa: F401
