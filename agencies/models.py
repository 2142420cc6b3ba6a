from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def region_within(code: str, scope: str) -> bool:
    """Whether the region `code` is `scope` or lies below it (`63.03.01` lies in `63.03` and in `63`)."""
    return code == scope or code.startswith(f"{scope}.")


def region_code_q(codes: Iterable[str], field: str = "code") -> Q:
    """`region_within` as a query: a region code equal to, or below, any of `codes`."""
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})
    return query


class RegionScopedQuerySet(models.QuerySet):
    """Rows that belong to a region through `region_field` (a path ending in a region's code): `for_user`
    keeps those the access policy lets the user see."""

    region_field: str = "region__code"

    def for_user(self, user: Any) -> Self:
        from rakornis import policy  # the policy reads these models: import it when asked, not at load time

        return policy.visible(self, user, self.region_field)


class RegionQuerySet(models.QuerySet):
    def provinces(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.PROVINCE)

    def regencies(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.REGENCY)

    def districts(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.DISTRICT)

    def villages(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.VILLAGE)

    def within(self, *codes: str) -> RegionQuerySet:
        return self.filter(region_code_q(codes))

    def for_user(self, user: Any) -> Self:
        from rakornis import policy

        return policy.visible(self, user, "code")


class Region(models.Model):
    """A Kemendagri region: province `63`, kabupaten/kota `63.03`, kecamatan `63.03.01`, desa `63.03.01.2001`."""

    class Level(models.TextChoices):
        PROVINCE = "provinsi", _("Provinsi")
        REGENCY = "kabupaten_kota", _("Kabupaten/Kota")
        DISTRICT = "kecamatan", _("Kecamatan")
        VILLAGE = "desa_kelurahan", _("Desa/Kelurahan")

    code = models.CharField(_("kode Kemendagri"), max_length=13)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("jenis"), max_length=20, blank=True, help_text=_("Kabupaten, Kota, Desa atau Kelurahan"))
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="agencies_region_unique_code"),
            models.CheckConstraint(
                condition=Q(level="provinsi", parent__isnull=True) | (~Q(level="provinsi") & Q(parent__isnull=False)),
                name="agencies_region_parent_unless_province",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def regency_code(self) -> str | None:
        return self.code[:5] if self.level != Region.Level.PROVINCE else None

    def contains(self, code: str) -> bool:
        return region_within(code, self.code)


class AgencyQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> Self:
        """Agencies of the user's regions, plus those above them (province, central Balai) that they work with."""
        from rakornis import policy

        return policy.visible_agencies(self, user)


class Agency(models.Model):
    """An office: provincial dinas, kabupaten/kota dinas, central Balai, or another body (a university)."""

    class Level(models.TextChoices):
        CENTRAL = "pusat", _("Pusat (Balai/Kementerian)")
        PROVINCIAL = "provinsi", _("Provinsi")
        REGENCY = "kabupaten_kota", _("Kabupaten/Kota")
        OTHER = "lainnya", _("Lainnya")

    name = models.CharField(_("nama"), max_length=200)
    short_name = models.CharField(_("nama singkat"), max_length=80)
    level = models.CharField(_("tingkat"), max_length=16, choices=Level.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
        help_text=_("Wilayah kerja: provinsi untuk dinas provinsi dan Balai, kabupaten/kota untuk dinas kab/kota."),
    )
    description = models.TextField(_("keterangan"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("instansi")
        verbose_name_plural = _("instansi")
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="agencies_agency_unique_name"),
            models.UniqueConstraint(fields=["short_name"], name="agencies_agency_unique_short_name"),
        ]

    def __str__(self) -> str:
        return self.short_name


class StaffRoleQuerySet(models.QuerySet):
    def of(self, user) -> StaffRoleQuerySet:
        return self.filter(user=user, is_active=True)


class StaffRole(models.Model):
    """Ties a user to an agency with one role; the agency's region is the user's scope."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("Operator")
        VERIFIER = "verifier", _("Verifikator")
        SECRETARY = "secretary", _("Sekretariat rapat")
        PLANNER = "planner", _("Perencana")
        VIEWER = "viewer", _("Pimpinan (baca saja)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="staff_roles"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(_("peran"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(_("aktif"), default=True)

    objects = StaffRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("peran staf")
        verbose_name_plural = _("peran staf")
        ordering = ["user__username", "agency__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="agencies_staffrole_no_duplicates"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} {self.agency}"
