"""Outcome indicators and their targets per region and year."""

from __future__ import annotations

from django.db import models

from agencies.models import Region
from programs.models.reference import Nomenclature


class Indicator(models.Model):
    """An outcome indicator (RTLH units handled, slum hectares handled, % roads in steady condition)."""

    code = models.CharField("kode", max_length=30)
    name = models.CharField("nama indikator", max_length=300)
    unit = models.CharField("satuan", max_length=30)
    sector = models.ForeignKey(
        Nomenclature,
        verbose_name="bidang urusan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        limit_choices_to={"level": Nomenclature.Level.SECTOR},
    )

    class Meta:
        verbose_name = "indikator kinerja"
        verbose_name_plural = "indikator kinerja"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="programs_indicator_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorTarget(models.Model):
    """Baseline, target and realisation of one indicator in one region and year."""

    indicator = models.ForeignKey(Indicator, verbose_name="indikator", on_delete=models.CASCADE, related_name="targets")
    region = models.ForeignKey(Region, verbose_name="wilayah", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("tahun")
    baseline = models.DecimalField("baseline", max_digits=16, decimal_places=4, null=True, blank=True)
    target = models.DecimalField("target", max_digits=16, decimal_places=4, null=True, blank=True)
    realisation = models.DecimalField("realisasi", max_digits=16, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = "target indikator"
        verbose_name_plural = "target indikator"
        ordering = ["indicator", "region__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year"], name="programs_indicatortarget_one_per_region_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region.code} {self.year}"
