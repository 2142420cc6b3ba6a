from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q


def region_code_q(codes: Iterable[str], field: str = "code") -> Q:
    """Match a region code equal to, or below, any of `codes` (`63` matches `63`, `63.03`, `63.03.01`)."""
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})
    return query


class RegionScopedQuerySet(models.QuerySet):
    """Rows that belong to a region through `region_field` (a path ending in a region's code): `for_user`
    keeps those inside the user's scope."""

    region_field: str = "region__code"

    def for_user(self, user):
        codes = scope_codes(user)
        return self if codes is None else self.filter(region_code_q(codes, self.region_field))


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

    def for_user(self, user) -> RegionQuerySet:
        codes = scope_codes(user)
        return self if codes is None else self.within(*codes)


class Region(models.Model):
    """A Kemendagri region: province `63`, kabupaten/kota `63.03`, kecamatan `63.03.01`, desa `63.03.01.2001`."""

    class Level(models.TextChoices):
        PROVINCE = "provinsi", "Provinsi"
        REGENCY = "kabupaten_kota", "Kabupaten/Kota"
        DISTRICT = "kecamatan", "Kecamatan"
        VILLAGE = "desa_kelurahan", "Desa/Kelurahan"

    code = models.CharField("kode Kemendagri", max_length=13)
    name = models.CharField("nama", max_length=120)
    level = models.CharField("tingkat", max_length=16, choices=Level.choices)
    kind = models.CharField("jenis", max_length=20, blank=True, help_text="Kabupaten, Kota, Desa atau Kelurahan")
    parent = models.ForeignKey(
        "self", verbose_name="induk", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "wilayah"
        verbose_name_plural = "wilayah"
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
        return code == self.code or code.startswith(f"{self.code}.")


class AgencyQuerySet(models.QuerySet):
    def for_user(self, user) -> AgencyQuerySet:
        codes = scope_codes(user)
        if codes is None:
            return self
        # Agencies of the user's regions, plus the agencies above them (province, central Balai) that they work with.
        provinces = {code[:2] for code in codes}
        return self.filter(
            region_code_q(codes, "region__code")
            | Q(region__code__in=provinces)
            | Q(level__in=[Agency.Level.CENTRAL, Agency.Level.OTHER], region__isnull=True)
        )


class Agency(models.Model):
    """An office: provincial dinas, kabupaten/kota dinas, central Balai, or another body (a university)."""

    class Level(models.TextChoices):
        CENTRAL = "pusat", "Pusat (Balai/Kementerian)"
        PROVINCIAL = "provinsi", "Provinsi"
        REGENCY = "kabupaten_kota", "Kabupaten/Kota"
        OTHER = "lainnya", "Lainnya"

    name = models.CharField("nama", max_length=200)
    short_name = models.CharField("nama singkat", max_length=80)
    level = models.CharField("tingkat", max_length=16, choices=Level.choices)
    region = models.ForeignKey(
        Region,
        verbose_name="wilayah",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
        help_text="Wilayah kerja: provinsi untuk dinas provinsi dan Balai, kabupaten/kota untuk dinas kab/kota.",
    )
    description = models.TextField("keterangan", blank=True)
    is_active = models.BooleanField("aktif", default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = "instansi"
        verbose_name_plural = "instansi"
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
        OPERATOR = "operator", "Operator"
        VERIFIER = "verifier", "Verifikator"
        SECRETARY = "secretary", "Sekretariat rapat"
        PLANNER = "planner", "Perencana"
        VIEWER = "viewer", "Pimpinan (baca saja)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="pengguna", on_delete=models.CASCADE, related_name="staff_roles"
    )
    agency = models.ForeignKey(Agency, verbose_name="instansi", on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField("peran", max_length=16, choices=Role.choices)
    is_active = models.BooleanField("aktif", default=True)

    objects = StaffRoleQuerySet.as_manager()

    class Meta:
        verbose_name = "peran staf"
        verbose_name_plural = "peran staf"
        ordering = ["user__username", "agency__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="agencies_staffrole_no_duplicates"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} {self.agency}"


def user_roles(user) -> set[str]:
    """The active roles a user holds, in any agency (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_rakornis_roles", None)
    if cached is None:
        cached = set(StaffRole.objects.of(user).values_list("role", flat=True))
        user._rakornis_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """Superusers hold every role; others the roles of their active StaffRole rows."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or bool(user_roles(user) & set(roles))


def scope_codes(user) -> list[str] | None:
    """The region codes a user may see, or None for everything (superusers).

    A user without an active role sees nothing. The scope of a role is its agency's region; a central or other
    agency without a region gives no regional scope.
    """
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_rakornis_scope_codes", None)
    if cached is not None:
        return cached
    codes = sorted(
        set(
            StaffRole.objects.of(user)
            .filter(agency__region__isnull=False)
            .values_list("agency__region__code", flat=True)
        )
    )
    user._rakornis_scope_codes = codes
    return codes
