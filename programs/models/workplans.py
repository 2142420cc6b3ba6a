"""An agency's Renja (work plan) for a fiscal year, its lines and their funding."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from agencies.models import Agency, Region, RegionScopedQuerySet
from programs.models.proposals import Proposal
from programs.models.reference import (
    FundingLine,
    Nomenclature,
    fiscal_year_field,
    fiscal_year_in_range,
    funding_line_constraints,
    money_field,
)


class WorkPlanQuerySet(RegionScopedQuerySet):
    region_field = "agency__region__code"


class WorkPlan(models.Model):
    """An agency's Renja for one fiscal year; draft until finalised, then locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draf"
        FINAL = "final", "Final (terkunci)"

    agency = models.ForeignKey(
        Agency, verbose_name="perangkat daerah", on_delete=models.PROTECT, related_name="work_plans"
    )
    fiscal_year = fiscal_year_field()
    status = models.CharField("status", max_length=8, choices=Status.choices, default=Status.DRAFT)
    finalised_at = models.DateTimeField("difinalkan", null=True, blank=True)
    synced_at = models.DateTimeField("sinkron terakhir", null=True, blank=True)

    objects = WorkPlanQuerySet.as_manager()

    class Meta:
        verbose_name = "Renja PD"
        verbose_name_plural = "Renja PD"
        ordering = ["-fiscal_year", "agency__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "fiscal_year"], name="programs_workplan_one_per_agency_year"),
            fiscal_year_in_range(),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(finalised_at__isnull=False),
                name="programs_workplan_final_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Renja {self.agency} TA {self.fiscal_year}"

    @property
    def is_locked(self) -> bool:
        return self.status == WorkPlan.Status.FINAL


class WorkPlanItem(models.Model):
    """One sub kegiatan row of a Renja for one kabupaten/kota, traceable to the proposals it came from."""

    work_plan = models.ForeignKey(WorkPlan, verbose_name="Renja", on_delete=models.CASCADE, related_name="items")
    sub_activity = models.ForeignKey(
        Nomenclature,
        verbose_name="sub kegiatan",
        on_delete=models.PROTECT,
        related_name="work_plan_items",
        limit_choices_to={"level": Nomenclature.Level.SUB_ACTIVITY},
    )
    region = models.ForeignKey(Region, verbose_name="kabupaten/kota", on_delete=models.PROTECT, related_name="+")
    location = models.TextField("lokasi", blank=True)
    target = models.CharField("target", max_length=300, blank=True, help_text="Volume per satuan, mis. 12,5 km; 3 unit")
    forward_target = models.CharField("prakiraan maju target", max_length=300, blank=True)
    forward_amount = money_field("prakiraan maju pagu", default=0)
    notes = models.TextField("keterangan", blank=True)
    source_proposals = models.ManyToManyField(
        Proposal, verbose_name="usulan sumber", related_name="work_plan_items", blank=True
    )

    class Meta:
        verbose_name = "baris Renja"
        verbose_name_plural = "baris Renja"
        ordering = ["work_plan", "sub_activity__code", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_plan", "sub_activity", "region"], name="programs_workplanitem_one_per_sub_activity_region"
            ),
            models.CheckConstraint(
                condition=Q(forward_amount__gte=0), name="programs_workplanitem_forward_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_activity.code} — {self.region.name}"


class WorkPlanItemFunding(FundingLine):
    item = models.ForeignKey(
        WorkPlanItem, verbose_name="baris Renja", on_delete=models.CASCADE, related_name="funding_lines"
    )

    class Meta:
        verbose_name = "pendanaan baris Renja"
        verbose_name_plural = "pendanaan baris Renja"
        ordering = ["item", "scheme__order"]
        constraints = funding_line_constraints("item")
