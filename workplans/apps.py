from django.apps import AppConfig


class WorkplansConfig(AppConfig):
    """The Renja PD: made from the meetings' agreements, so it builds on `programs` and `meetings`, and neither of
    them imports it. It has no models of its own: WorkPlan, WorkPlanItem and WorkPlanItemFunding stay in
    `programs`, with their migrations."""

    name = "workplans"
    verbose_name = "Renja Perangkat Daerah"

    def ready(self) -> None:
        from programs.jobs import register_runner
        from programs.models import ExcelJob
        from workplans.jobs import run_workplan_export

        register_runner(ExcelJob.Kind.WORKPLAN_EXPORT, run_workplan_export)
