from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Rapat dan Kesepakatan"

    def ready(self) -> None:
        # A big meeting's documents are written by the background worker (`programs.jobs`), as big exports are.
        from meetings.jobs import run_meeting_annex, run_meeting_minutes
        from programs.jobs import register_runner
        from programs.models import ExcelJob

        register_runner(ExcelJob.Kind.MEETING_MINUTES, run_meeting_minutes)
        register_runner(ExcelJob.Kind.MEETING_ANNEX, run_meeting_annex)
        # A deleted desk's rows of the decision summary move to "outside any desk" (`meetings.summary`).
        import meetings.summary  # noqa: F401
