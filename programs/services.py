"""Writes that touch several program-side rows."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models.functions import Length
from django.utils.formats import date_format
from django.utils.timezone import localtime

from agencies.models import Region
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding
from rakornis.audit import audit_log, audit_value, diff
from rakornis.loading import LoadResult, ReferenceDataError, clean_text
from rakornis.models import AuditEntry

NOMENCLATURE_COLUMNS = {
    "kode": "code",
    "level": "level",
    "tingkat": "level",
    "nama": "name",
    "nomenklatur": "name",
    "status": "status",
    "kinerja": "performance",
    "indikator": "indicator",
    "satuan": "unit",
}
NOMENCLATURE_REQUIRED = ("code", "level", "name")
LEVEL_ALIASES = {clean_text(label).lower().replace(" ", "_"): value for value, label in Nomenclature.Level.choices} | {
    value: value for value in Nomenclature.Level.values
}


@dataclass(frozen=True)
class NomenclatureRow:
    line: int
    code: str
    level: str
    name: str
    status: str = ""
    performance: str = ""
    indicator: str = ""
    unit: str = ""


def _code_from_cell(value: object, level: str) -> str:
    """A code as typed, also when a spreadsheet stored `1.03` as the number 1.03 (or `1.10` as 1.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return clean_text(value)
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    code = repr(float(value))
    head, _, tail = code.partition(".")
    if level == Nomenclature.Level.SECTOR and len(tail) < 2:
        tail = tail.ljust(2, "0")
    return f"{head}.{tail}"


def _records_from_file(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    """Header and (line number, values) rows of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.reader(handle))
        except UnicodeDecodeError as exc:
            raise ReferenceDataError([f"{path.name}: bukan teks UTF-8 ({exc.reason})"]) from exc
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise ReferenceDataError([f"{path.name}: bukan berkas XLSX yang dapat dibaca"]) from exc
        try:
            rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    else:
        raise ReferenceDataError([f"{path.name}: hanya berkas .csv atau .xlsx yang diterima"])
    if not rows:
        raise ReferenceDataError([f"{path.name}: berkas kosong"])
    header = [clean_text(cell).lower() for cell in rows[0]]
    return header, [(number, values) for number, values in enumerate(rows[1:], start=2)]


def nomenclature_read(path: Path) -> list[NomenclatureRow]:
    """Read a nomenclature list (columns kode, level, nama; optional status, kinerja, indikator, satuan)."""
    header, records = _records_from_file(path)
    positions = {NOMENCLATURE_COLUMNS[name]: index for index, name in enumerate(header) if name in NOMENCLATURE_COLUMNS}
    missing = [name for name in NOMENCLATURE_REQUIRED if name not in positions]
    if missing:
        labels = {"code": "kode", "level": "level", "name": "nama"}
        raise ReferenceDataError([f"{path.name}: kolom wajib tidak ada: {', '.join(labels[name] for name in missing)}"])
    rows = []
    for line, values in records:
        if all(clean_text(value) == "" for value in values):
            continue

        def cell(field: str, values: list[object] = values) -> object:
            index = positions.get(field)
            return values[index] if index is not None and index < len(values) else None

        raw_level = clean_text(cell("level")).lower().replace(" ", "_")
        level = LEVEL_ALIASES.get(raw_level, raw_level)
        rows.append(
            NomenclatureRow(
                line=line,
                code=_code_from_cell(cell("code"), level),
                level=level,
                name=clean_text(cell("name")),
                status=clean_text(cell("status")),
                performance=clean_text(cell("performance")),
                indicator=clean_text(cell("indicator")),
                unit=clean_text(cell("unit")),
            )
        )
    return rows


def nomenclature_validate(rows: list[NomenclatureRow]) -> list[str]:
    """Every problem of a nomenclature list, each as `Baris N, kode X: ...`."""
    errors = []
    seen: dict[str, int] = {}
    codes_in_file = {row.code for row in rows}
    known = set(
        Nomenclature.objects.filter(
            code__in=[
                parent for row in rows if (parent := Nomenclature.parent_code(row.code)) and parent not in codes_in_file
            ]
        ).values_list("code", flat=True)
    )
    for row in rows:
        where = f"Baris {row.line}, kode {row.code or '(kosong)'}"
        if row.level not in Nomenclature.Level.values:
            errors.append(
                f"{where}: level {row.level or '(kosong)'!r} tidak dikenal "
                f"(urusan, bidang_urusan, program, kegiatan, sub_kegiatan)"
            )
            continue
        expected_level = Nomenclature.level_for_code(row.code)
        if expected_level is None:
            errors.append(f"{where}: bentuk kode salah (harus U.BB.PP.A.KK.SSSS, A = 1 provinsi atau 2 kab/kota)")
            continue
        if expected_level != row.level:
            errors.append(
                f"{where}: kode ini berbentuk {Nomenclature.Level(expected_level).label.lower()}, "
                f"bukan {Nomenclature.Level(row.level).label.lower()}"
            )
        if not row.name:
            errors.append(f"{where}: nama kosong")
        elif len(row.name) > Nomenclature._meta.get_field("name").max_length:
            errors.append(f"{where}: nama lebih dari 500 karakter")
        if row.code in seen:
            errors.append(f"{where}: kode ganda (sudah ada di baris {seen[row.code]})")
        else:
            seen[row.code] = row.line
        parent = Nomenclature.parent_code(row.code)
        if parent and parent not in codes_in_file and parent not in known:
            errors.append(f"{where}: induk {parent} tidak ada di berkas maupun di basis data (yatim)")
    return errors


@transaction.atomic
def nomenclature_load(*, rows: list[NomenclatureRow], overwrite: bool = True) -> LoadResult:
    """Upsert a nomenclature list, all or nothing.

    `overwrite=False` only adds codes that are missing: the partial list shipped with the project must never
    overwrite names that a complete official list has already set.
    """
    errors = nomenclature_validate(rows)
    if errors:
        raise ReferenceDataError(errors)
    result = LoadResult(label="Nomenklatur")
    existing = {node.code: node for node in Nomenclature.objects.all()}
    ids = {code: node.pk for code, node in existing.items()}
    fields = ["level", "name", "parent", "government_level", "source_note", "performance", "indicator", "unit"]
    by_depth: dict[int, list[NomenclatureRow]] = {}
    for row in rows:
        by_depth.setdefault(len(row.code.split(".")), []).append(row)
    # Parents first, one bulk write per depth, so a complete list of tens of thousands of codes loads in seconds.
    for depth in sorted(by_depth):
        to_create, to_update = [], []
        for row in by_depth[depth]:
            candidate = Nomenclature(
                code=row.code,
                level=row.level,
                name=row.name,
                parent_id=ids.get(Nomenclature.parent_code(row.code) or ""),
                government_level=Nomenclature.government_level_for_code(row.code),
                source_note=row.status[:200],
                performance=row.performance,
                indicator=row.indicator,
                unit=row.unit[:60],
            )
            node = existing.get(row.code)
            if node is None:
                to_create.append(candidate)
                continue
            changed = [
                f
                for f in fields
                if getattr(node, f"{f}_id" if f == "parent" else f)
                != getattr(candidate, f"{f}_id" if f == "parent" else f)
            ]
            if overwrite and changed:
                candidate.pk = node.pk
                to_update.append(candidate)
            else:
                result.unchanged += 1
        Nomenclature.objects.bulk_create(to_create, batch_size=1000)
        Nomenclature.objects.bulk_update(to_update, fields, batch_size=500)
        result.created += len(to_create)
        result.updated += len(to_update)
        ids.update(
            Nomenclature.objects.filter(code__in=[row.code for row in by_depth[depth]]).values_list("code", "pk")
        )
    return result


@dataclass(frozen=True)
class FundingSchemeRow:
    code: str
    name: str
    short_name: str
    budget: str
    description: str


def read_funding_scheme_rows(path: Path) -> list[FundingSchemeRow]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            FundingSchemeRow(
                code=clean_text(record["kode"]),
                name=clean_text(record["nama"]),
                short_name=clean_text(record["singkatan"]),
                budget=clean_text(record["anggaran"]),
                description=clean_text(record["keterangan"]),
            )
            for record in csv.DictReader(handle)
        ]


@transaction.atomic
def funding_schemes_load(*, rows: list[FundingSchemeRow]) -> LoadResult:
    result = LoadResult(label="Skema pendanaan")
    errors = [
        f"{row.code}: anggaran {row.budget!r} tidak dikenal"
        for row in rows
        if row.budget not in FundingScheme.Budget.values
    ]
    if errors:
        raise ReferenceDataError(errors)
    existing = {scheme.code: scheme for scheme in FundingScheme.objects.all()}
    for order, row in enumerate(rows, start=1):
        values = {
            "name": row.name,
            "short_name": row.short_name,
            "budget": row.budget,
            "description": row.description,
            "order": order,
        }
        scheme = existing.get(row.code)
        if scheme is None:
            FundingScheme.objects.create(code=row.code, **values)
            result.created += 1
        elif any(getattr(scheme, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(scheme, field, value)
            scheme.save(update_fields=list(values))
            result.updated += 1
        else:
            result.unchanged += 1
    return result


# Proposals ----------------------------------------------------------------------------------------------------------


class TransitionError(Exception):
    """A proposal write that its current state does not allow; the message is shown to the user as is."""


class ProposalConflict(Exception):
    """Someone saved the proposal after the form was loaded; nothing was written."""

    def __init__(self, *, proposal: Proposal, changed_by: str, changed_at: datetime | None) -> None:
        self.proposal = proposal
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = f" pada {date_format(localtime(changed_at), 'DATETIME_FORMAT')}" if changed_at else ""
        super().__init__(
            f"Usulan ini telah diubah oleh {changed_by}{when} setelah Anda membuka formulir ini. "
            "Perubahan Anda belum disimpan dan tidak menimpa apa pun. Muat ulang halaman untuk melihat isian "
            "terbaru, lalu masukkan kembali perubahan Anda."
        )


PROPOSAL_FIELDS = Proposal.EDITABLE_FIELDS

FundingLines = list[tuple[FundingScheme, Decimal]]


def _funding_snapshot(lines: Iterable[tuple[FundingScheme, Decimal]]) -> dict[str, str]:
    return {scheme.code: audit_value(amount) for scheme, amount in sorted(lines, key=lambda line: line[0].order)}


def _proposal_snapshot(proposal: Proposal) -> dict[str, Any]:
    values = {field: audit_value(getattr(proposal, field)) for field in PROPOSAL_FIELDS}
    lines = proposal.funding_lines.select_related("scheme")
    values["funding"] = _funding_snapshot((line.scheme, line.amount) for line in lines)
    return values


def proposal_next_number(*, fiscal_year: int, region: Region) -> str:
    """The next free number of the kabupaten/kota's year; call inside the transaction that inserts it.

    The region row is locked first, so two operators of one kabupaten/kota saving at once get consecutive numbers
    instead of one of them failing on `programs_proposal_unique_number`.
    """
    Region.objects.select_for_update().filter(pk=region.pk).exists()
    prefix = Proposal.number_prefix(fiscal_year, region.code)
    last = (
        Proposal.objects.filter(fiscal_year=fiscal_year, number__startswith=prefix)
        .annotate(number_length=Length("number"))
        .order_by("-number_length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return Proposal.format_number(fiscal_year, region.code, sequence)


def _set_funding(proposal: Proposal, funding: FundingLines) -> None:
    """Make the proposal's funding lines equal to `funding`, writing only the lines that differ."""
    wanted = {scheme.pk: amount for scheme, amount in funding}
    existing = {line.scheme_id: line for line in proposal.funding_lines.all()}
    ProposalFunding.objects.filter(proposal=proposal).exclude(scheme_id__in=wanted).delete()
    for scheme_id, amount in wanted.items():
        line = existing.get(scheme_id)
        if line is None:
            ProposalFunding.objects.create(proposal=proposal, scheme_id=scheme_id, amount=amount)
        elif line.amount != amount:
            line.amount = amount
            line.save(update_fields=["amount"])


def _lock(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("region").get(pk=proposal.pk)


@transaction.atomic
def proposal_create(*, user, data: dict[str, Any], funding: FundingLines) -> Proposal:
    """A new draft with its funding lines and number, audited as CREATED."""
    values = {field: data[field] for field in PROPOSAL_FIELDS if field in data}
    proposal = Proposal(**values, status=Proposal.Status.DRAFT, created_by=user)
    proposal.number = proposal_next_number(fiscal_year=proposal.fiscal_year, region=proposal.region)
    proposal.save()
    _set_funding(proposal, funding)
    after = _proposal_snapshot(proposal)
    changes = {field: [None, value] for field, value in after.items() if value not in (None, "", {})}
    changes["status"] = [None, Proposal.Status.DRAFT.value]
    audit_log(user=user, obj=proposal, action=AuditEntry.Action.CREATED, changes=changes)
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, user, data: dict[str, Any], funding: FundingLines, version: int) -> Proposal:
    """Save the edited fields and funding lines, if nobody saved since `version` was loaded; audited as CHANGED."""
    locked = _lock(proposal)
    if locked.version != version:
        last = AuditEntry.objects.for_object(locked).select_related("user").first()
        changed_by = "pengguna lain"
        if last is not None and last.user is not None:
            changed_by = last.user.get_full_name() or last.user.username
        raise ProposalConflict(proposal=locked, changed_by=changed_by, changed_at=last.at if last else None)
    if not locked.is_editable:
        raise TransitionError(
            f"Usulan berstatus {locked.get_status_display()} tidak dapat diubah; "
            "hanya usulan Draf atau Dikembalikan yang dapat diubah."
        )
    before = _proposal_snapshot(locked)
    for field in PROPOSAL_FIELDS:
        if field in data:
            setattr(locked, field, data[field])
    _set_funding(locked, funding)
    after = _proposal_snapshot(locked)
    changes = diff(before, after)
    if not changes:
        return locked
    locked.version += 1
    locked.save()
    audit_log(user=user, obj=locked, action=AuditEntry.Action.CHANGED, changes=changes)
    return locked


def _transition(
    *, proposal: Proposal, user, allowed_from: tuple[str, ...], to: str, action: str, verb: str, note: str = ""
) -> Proposal:
    locked = _lock(proposal)
    if locked.status not in allowed_from:
        raise TransitionError(f"Usulan berstatus {locked.get_status_display()} tidak dapat {verb}.")
    old = locked.status
    locked.status = to
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    audit_log(user=user, obj=locked, action=action, changes={"status": [old, to]}, note=note)
    return locked


@transaction.atomic
def proposal_submit(*, proposal: Proposal, user) -> Proposal:
    """Draft or returned -> submitted, once at least one funding line has an amount."""
    if not ProposalFunding.objects.filter(proposal_id=proposal.pk, amount__gt=0).exists():
        raise TransitionError("Usulan belum dapat diajukan: isi minimal satu sumber dana dengan pagu lebih dari Rp 0.")
    return _transition(
        proposal=proposal,
        user=user,
        allowed_from=Proposal.EDITABLE_STATUSES,
        to=Proposal.Status.SUBMITTED,
        action=AuditEntry.Action.SUBMITTED,
        verb="diajukan",
    )


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, user) -> Proposal:
    """Submitted -> draft, while the province has not verified it yet."""
    return _transition(
        proposal=proposal,
        user=user,
        allowed_from=(Proposal.Status.SUBMITTED,),
        to=Proposal.Status.DRAFT,
        action=AuditEntry.Action.WITHDRAWN,
        verb="ditarik ke draf",
    )


@transaction.atomic
def proposal_return(*, proposal: Proposal, user, note: str) -> Proposal:
    """Submitted -> returned for revision; the note tells the operator what to fix."""
    note = note.strip()
    if not note:
        raise TransitionError("Catatan pengembalian wajib diisi: tuliskan apa yang harus diperbaiki.")
    return _transition(
        proposal=proposal,
        user=user,
        allowed_from=(Proposal.Status.SUBMITTED,),
        to=Proposal.Status.RETURNED,
        action=AuditEntry.Action.RETURNED,
        verb="dikembalikan",
        note=note,
    )


@transaction.atomic
def proposal_verify(*, proposal: Proposal, user) -> Proposal:
    """Submitted -> verified by the province."""
    return _transition(
        proposal=proposal,
        user=user,
        allowed_from=(Proposal.Status.SUBMITTED,),
        to=Proposal.Status.VERIFIED,
        action=AuditEntry.Action.VERIFIED,
        verb="diverifikasi",
    )


# Copied into the next year's draft; the forward estimate is left out: it was the plan for the year being carried
# into, not for the year after it.
CARRY_OVER_FIELDS = [
    field for field in PROPOSAL_FIELDS if field not in ("fiscal_year", "forward_volume", "forward_amount")
]


@transaction.atomic
def proposal_carry_over(*, proposal: Proposal, user) -> Proposal:
    """A deferred proposal becomes a new draft of the next fiscal year, linked to it, with the same funding lines."""
    locked = _lock(proposal)
    if locked.status != Proposal.Status.DEFERRED:
        raise TransitionError(
            f"Usulan {locked.number} berstatus {locked.get_status_display()}; "
            "hanya usulan Ditangguhkan yang dapat dilanjutkan ke tahun berikutnya."
        )
    earlier = locked.carried_over_to.order_by("pk").first()
    if earlier is not None:
        raise TransitionError(f"Usulan {locked.number} sudah dilanjutkan menjadi {earlier.number}.")
    copy = Proposal(
        **{field: getattr(locked, field) for field in CARRY_OVER_FIELDS},
        fiscal_year=locked.fiscal_year + 1,
        status=Proposal.Status.DRAFT,
        carried_over_from=locked,
        created_by=user,
    )
    copy.number = proposal_next_number(fiscal_year=copy.fiscal_year, region=locked.region)
    copy.save()
    lines = [(line.scheme, line.amount) for line in locked.funding_lines.select_related("scheme")]
    _set_funding(copy, lines)
    after = _proposal_snapshot(copy)
    changes = {field: [None, value] for field, value in after.items() if value not in (None, "", {})}
    changes["status"] = [None, Proposal.Status.DRAFT.value]
    audit_log(
        user=user,
        obj=copy,
        action=AuditEntry.Action.CARRIED_OVER,
        changes=changes,
        note=f"Lanjutan dari {locked.number} (TA {locked.fiscal_year}).",
    )
    audit_log(
        user=user,
        obj=locked,
        action=AuditEntry.Action.CARRIED_OVER,
        note=f"Dilanjutkan ke TA {copy.fiscal_year} sebagai {copy.number}.",
    )
    return copy


@transaction.atomic
def proposal_carry_over_bulk(*, proposals: Iterable[Proposal], user) -> list[Proposal]:
    """Carry several deferred proposals over, all or nothing: one refusal rolls every copy back."""
    return [proposal_carry_over(proposal=proposal, user=user) for proposal in proposals]
