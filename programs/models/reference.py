"""Reference data and the fields every programs model shares: fiscal years, money, the nomenclature code tree,
the funding schemes and the abstract funding line."""

from __future__ import annotations

import re

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from rakornis.formatting import format_rupiah

MIN_FISCAL_YEAR = 2000
MAX_FISCAL_YEAR = 2100

# U.BB.PP.A.KK.SSSS, from urusan down to sub kegiatan.
NOMENCLATURE_CODE_RE = re.compile(r"^\d(\.\d{2}(\.\d{2}(\.[12]\.\d{2}(\.\d{4})?)?)?)?$")


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    """Whole rupiah: up to 999 trillion, no fraction."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=0, **kwargs)


def fiscal_year_field(verbose_name: str = "tahun anggaran") -> models.PositiveSmallIntegerField:
    """A fiscal year (TA) from MIN_FISCAL_YEAR to MAX_FISCAL_YEAR; its model adds `fiscal_year_in_range()`."""
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MinValueValidator(MIN_FISCAL_YEAR), MaxValueValidator(MAX_FISCAL_YEAR)]
    )


def fiscal_year_in_range() -> models.CheckConstraint:
    """The database's check of a `fiscal_year_field` named `fiscal_year`: `<app>_<model>_fiscal_year_range`."""
    return models.CheckConstraint(
        condition=Q(fiscal_year__gte=MIN_FISCAL_YEAR, fiscal_year__lte=MAX_FISCAL_YEAR),
        name="%(app_label)s_%(class)s_fiscal_year_range",
    )


class NomenclatureQuerySet(models.QuerySet):
    def sub_activities(self) -> NomenclatureQuerySet:
        return self.filter(level=Nomenclature.Level.SUB_ACTIVITY)

    def active(self) -> NomenclatureQuerySet:
        return self.filter(is_active=True)


class Nomenclature(models.Model):
    """One node of the code tree urusan > bidang urusan > program > kegiatan > sub kegiatan."""

    class Level(models.TextChoices):
        AFFAIR = "urusan", "Urusan"
        SECTOR = "bidang_urusan", "Bidang urusan"
        PROGRAM = "program", "Program"
        ACTIVITY = "kegiatan", "Kegiatan"
        SUB_ACTIVITY = "sub_kegiatan", "Sub kegiatan"

    class GovernmentLevel(models.TextChoices):
        """Digit A of U.BB.PP.A.KK.SSSS: who carries the kegiatan out."""

        PROVINCE = "1", "Provinsi"
        REGENCY = "2", "Kabupaten/Kota"

    # Depth of each level in the code, counted in dot-separated parts.
    LEVEL_PARTS = {
        Level.AFFAIR: 1,
        Level.SECTOR: 2,
        Level.PROGRAM: 3,
        Level.ACTIVITY: 5,
        Level.SUB_ACTIVITY: 6,
    }

    code = models.CharField("kode", max_length=20)
    level = models.CharField("tingkat", max_length=16, choices=Level.choices)
    name = models.CharField("nomenklatur", max_length=500)
    parent = models.ForeignKey(
        "self", verbose_name="induk", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    government_level = models.CharField(
        "pelaksana",
        max_length=1,
        choices=GovernmentLevel.choices,
        blank=True,
        help_text="Kosong untuk urusan, bidang urusan dan program (berlaku untuk semua tingkat pemerintahan).",
    )
    performance = models.TextField("kinerja", blank=True)
    indicator = models.TextField("indikator", blank=True)
    unit = models.CharField("satuan", max_length=60, blank=True)
    source_note = models.CharField("catatan sumber", max_length=200, blank=True)
    is_active = models.BooleanField("berlaku", default=True)

    objects = NomenclatureQuerySet.as_manager()

    class Meta:
        verbose_name = "nomenklatur"
        verbose_name_plural = "nomenklatur"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="programs_nomenclature_unique_code"),
            models.CheckConstraint(
                condition=Q(level__in=["urusan", "bidang_urusan", "program"], government_level="")
                | Q(level__in=["kegiatan", "sub_kegiatan"], government_level__in=["1", "2"]),
                name="programs_nomenclature_government_level_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def level_for_code(cls, code: str) -> str | None:
        """The level a well-formed code has, or None for a malformed code."""
        if not NOMENCLATURE_CODE_RE.match(code):
            return None
        parts = len(code.split("."))
        for level, depth in cls.LEVEL_PARTS.items():
            if depth == parts:
                return level
        return None

    @staticmethod
    def parent_code(code: str) -> str | None:
        parts = code.split(".")
        if len(parts) == 1:
            return None
        if len(parts) == 5:  # kegiatan hangs under its program; the government digit is not a level
            return ".".join(parts[:3])
        return ".".join(parts[:-1])

    @staticmethod
    def government_level_for_code(code: str) -> str:
        parts = code.split(".")
        return parts[3] if len(parts) >= 5 else ""


class FundingScheme(models.Model):
    """A source of money a proposal can draw on (APBD Provinsi, BKP, DAK Fisik, ...)."""

    class Budget(models.TextChoices):
        APBD = "APBD", "APBD"
        TRANSFER = "APBD (transfer)", "APBD (transfer)"
        APBN = "APBN", "APBN"
        OTHER = "lainnya", "Lainnya"

    code = models.CharField("kode", max_length=20)
    name = models.CharField("nama", max_length=120)
    short_name = models.CharField("singkatan", max_length=40)
    budget = models.CharField("anggaran", max_length=20, choices=Budget.choices)
    description = models.TextField("keterangan", blank=True)
    order = models.PositiveSmallIntegerField("urutan", default=0)

    class Meta:
        verbose_name = "skema pendanaan"
        verbose_name_plural = "skema pendanaan"
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="programs_fundingscheme_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


def funding_line_constraints(parent: str) -> list[models.BaseConstraint]:
    """One line per scheme of each `parent`, never a negative amount: `<app>_<model>_one_per_scheme` and
    `<app>_<model>_amount_not_negative`."""
    return [
        models.UniqueConstraint(fields=[parent, "scheme"], name="%(app_label)s_%(class)s_one_per_scheme"),
        models.CheckConstraint(condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative"),
    ]


class FundingLine(models.Model):
    """One (scheme, amount) line of what a proposal asks (ProposalFunding), a meeting agrees
    (meetings.DecisionFunding) or a Renja row holds (WorkPlanItemFunding). A line adds the foreign key to what it
    funds, and `funding_line_constraints(<that key>)`."""

    scheme = models.ForeignKey(FundingScheme, verbose_name="skema", on_delete=models.PROTECT, related_name="+")
    amount = money_field("pagu (Rp)")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.scheme.short_name}: {format_rupiah(self.amount)}"
