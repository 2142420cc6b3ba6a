from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    """Outcome indicators: their pages, entry, Excel import and the gap to each target. Like `workplans`, it has no
    models of its own: Indicator, IndicatorTarget and their sources stay in `programs` (where the admin and the other
    apps' data reference them), with their migrations. It builds on `programs`; `programs` never imports it."""

    name = "indicators"
    verbose_name = "Indikator kinerja"

    def ready(self) -> None:
        from indicators.importer import run_indicator_preview
        from programs.jobs import register_runner
        from programs.models import ExcelJob

        register_runner(ExcelJob.Kind.INDICATOR_PREVIEW, run_indicator_preview)
