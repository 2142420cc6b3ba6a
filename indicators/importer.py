"""The indicator workbook: its template, its bounded parse, and the worker's check of an upload for its preview.

One row per figure (long format): Kode Indikator, Kode Wilayah, Tahun, Jenis (Baseline/Target/Realisasi), Nilai,
Dokumen Sumber, Nomor, Tanggal. The reading reuses the proposal importer's bounded reader (the file checks, the CPU
budget, the cell and row counts: `programs.xlsx.importer.reading`) and its stored uploads (`programs.jobs`); the
upload is read only by the worker, then again on confirmation, and saved all or nothing by
`indicators.services.indicator_figures_import`.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage

from agencies.models import Region
from indicators.forms import value_problem
from indicators.services import FigureInput, SourceInput
from programs import jobs
from programs.models import ExcelJob, Indicator, IndicatorSource, IndicatorTarget
from programs.xlsx.importer.cells import clean_line, parse_year
from programs.xlsx.importer.reading import (
    Budget,
    FileRejected,
    check_file,
    open_workbook,
    sheet_rows,
    source,
)
from programs.xlsx.render import Column, Kind, ListValidation, SheetSpec, render_workbook
from rakornis import fiscal_year, policy
from rakornis.i18n import official_text
from rakornis.numbers import NumberError, format_number, parse_number

Figure = IndicatorTarget.Figure
SHEET = "Capaian"
MAX_ROWS = 5_000  # 30 indicators x 14 regions x 10 years is 4,200 figures
HEADER_SEARCH_ROWS = 10
PREVIEW_ROWS = 500
ERRORS_SHOWN = 200

COLUMNS = [
    ("indicator", "Kode Indikator"),
    ("region", "Kode Wilayah"),
    ("year", "Tahun"),
    ("figure", "Jenis"),
    ("value", "Nilai"),
    ("document", "Dokumen Sumber"),
    ("number", "Nomor"),
    ("date", "Tanggal Sumber"),
]
REQUIRED = {"indicator", "region", "year", "figure", "value", "document", "date"}
FIGURE_WORDS = {
    "baseline": Figure.BASELINE,
    "target": Figure.TARGET,
    "realisasi": Figure.REALISATION,
    "realisation": Figure.REALISATION,
    "capaian": Figure.REALISATION,
}
_DATE_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$|^(\d{4})-(\d{1,2})-(\d{1,2})$")


class CellProblem(ValueError):
    pass


@dataclass
class ParsedRow:
    row: int
    entry: FigureInput
    old: Decimal | None
    action: str  # "baru", "ubah", "sama"


@dataclass
class IndicatorParse:
    filename: str = ""
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[tuple[int | None, str, str]] = field(default_factory=list)  # (row, column, message)

    @property
    def to_save(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.action != "sama"]

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append((row, column, message))

    def as_preview(self) -> dict[str, Any]:
        """What the preview page shows, as JSON for the job's outcome."""
        return {
            "filename": self.filename,
            "count": len(self.rows),
            "new": sum(row.action == "baru" for row in self.rows),
            "changed": sum(row.action == "ubah" for row in self.rows),
            "unchanged": sum(row.action == "sama" for row in self.rows),
            "rows": [
                {
                    "row": row.row,
                    "indicator": row.entry.indicator.code,
                    "region": f"{row.entry.region.code} {row.entry.region.name}",
                    "year": row.entry.year,
                    "figure": str(Figure(row.entry.figure).label),  # a session value: plain text
                    "old": "" if row.old is None else format_number(row.old, trim=True),
                    "value": format_number(row.entry.value, trim=True),
                    "source": str(
                        IndicatorSource(
                            document=row.entry.source.document,
                            number=row.entry.source.number,
                            date=row.entry.source.date,
                        )
                    ),
                    "action": row.action,
                }
                for row in self.rows[:PREVIEW_ROWS]
            ],
            "error_count": len(self.errors),
            "errors": [
                {"row": row, "column": column, "message": message}
                for row, column, message in self.errors[:ERRORS_SHOWN]
            ],
        }


# Template -------------------------------------------------------------------------------------------------------------


def indicator_template_workbook(*, user: Any) -> bytes:
    """The sheet to fill in, with the indicators and the regions this user may enter figures for beside it."""
    indicators = list(Indicator.objects.for_user(user).order_by("code").values_list("code", "name", "unit"))
    regions = list(policy.indicator_regions_for(user, Figure.REALISATION).order_by("code").values_list("code", "name"))
    figure_labels = [official_text(label) for _, label in Figure.choices]
    sheet = SheetSpec(
        name=SHEET,
        columns=[
            Column("Kode Indikator *", width=16),
            Column("Kode Wilayah *", width=14),
            Column("Tahun *", Kind.YEAR, width=8),
            Column("Jenis *", width=12),
            Column("Nilai *", Kind.VOLUME, width=14),
            Column("Dokumen Sumber *", width=40, wrap=True),
            Column("Nomor", width=22),
            Column("Tanggal Sumber *", Kind.DATE, width=14),
        ],
        rows=iter(()),
        title_lines=[
            "Templat Capaian Indikator Kinerja",
            "Satu baris per angka: Jenis Baseline, Target atau Realisasi. Kolom bertanda * wajib diisi; Tanggal "
            "Sumber ditulis 12-02-2026. Kode indikator dan wilayah: lihat sheet Referensi.",
        ],
        validations=[ListValidation(3, figure_labels)],
        validation_rows=MAX_ROWS,
        active=True,
    )
    reference_rows = [
        [
            *(indicators[i] if i < len(indicators) else (None, None, None)),
            None,
            *(regions[i] if i < len(regions) else (None, None)),
        ]
        for i in range(max(len(indicators), len(regions)))
    ]
    reference = SheetSpec(
        name="Referensi",
        columns=[
            Column("Kode Indikator", width=16),
            Column("Indikator", width=50, wrap=True),
            Column("Satuan", width=10),
            Column("", width=2),
            Column("Kode Wilayah", width=12),
            Column("Wilayah", width=30),
        ],
        rows=reference_rows,
        title_lines=["Referensi untuk sheet Capaian (jangan diubah)"],
        autofilter=False,
    )
    return render_workbook([sheet, reference])


# Parse ----------------------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_line(value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = _DATE_RE.match(text)
    if match:
        day, month, year = (
            (match.group(1), match.group(2), match.group(3))
            if match.group(1)
            else (
                match.group(6),
                match.group(5),
                match.group(4),
            )
        )
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            pass
    raise CellProblem(f"tanggal tidak terbaca ({text!r}); tulis seperti 12-02-2026")


def _header(values: list[Any]) -> dict[str, int] | None:
    labels = {label.casefold(): key for key, label in COLUMNS}
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        text = _text(value).rstrip("*").strip().casefold()
        if text in labels:
            found[labels[text]] = index
    return found if {"indicator", "region", "value"} <= found.keys() else None


class _Lookups:
    """Indicators and regions read once per parse; the existing figures of the indicators named, once."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.indicators = {i.code.casefold(): i for i in Indicator.objects.for_user(user)}
        self.regions = {
            r.code: r for r in Region.objects.filter(level__in=[Region.Level.PROVINCE, Region.Level.REGENCY])
        }
        self.existing: dict[tuple[int, int, int], IndicatorTarget] = {
            (row.indicator_id, row.region_id, row.year): row
            for row in IndicatorTarget.objects.filter(indicator__in=list(self.indicators.values()))
        }


def _row(number: int, cells: dict[str, Any], lookups: _Lookups, result: IndicatorParse, seen: set) -> None:
    labels = dict(COLUMNS)
    problems: list[tuple[str, str]] = []

    def get(key: str, read: Any) -> Any:
        try:
            value = read(cells.get(key))
        except (CellProblem, NumberError, ValueError) as exc:
            problems.append((labels[key], str(exc)))
            return None
        if key in REQUIRED and (value is None or value == ""):
            problems.append((labels[key], "wajib diisi"))
        return value

    code = get("indicator", _text)
    indicator = lookups.indicators.get(code.casefold()) if code else None
    if code and indicator is None:
        problems.append((labels["indicator"], f"indikator {code!r} tidak dikenal (lihat sheet Referensi)"))
    region_code = get("region", _text)
    region = lookups.regions.get(region_code) if region_code else None
    if region_code and region is None:
        problems.append((labels["region"], f"{region_code!r} bukan kode provinsi atau kabupaten/kota"))
    year = get("year", parse_year)
    if year is not None and (problem := fiscal_year.typed_year_problem(year)):
        problems.append((labels["year"], problem))
    word = get("figure", _text)
    figure = FIGURE_WORDS.get(word.casefold()) if word else None
    if word and figure is None:
        problems.append((labels["figure"], f"{word!r}: isi Baseline, Target atau Realisasi"))
    value = get("value", parse_number)
    if value is not None and (problem := value_problem(value)):
        problems.append((labels["value"], problem.rstrip(".")))
    document = get("document", _text)
    number_text = get("number", _text) or ""
    when = get("date", lambda v: None if v is None or _text(v) == "" else _date(v))
    if (
        region is not None
        and figure is not None
        and not policy.may_enter_indicator_figure(lookups.user, figure, region.code)
    ):
        problems.append(
            (labels["region"], f"peran Anda tidak mengizinkan mengisi {Figure(figure).label.lower()} di {region.name}")
        )
    if problems:
        for column, message in problems:
            result.error(number, column, message)
        return
    assert indicator and region and year and figure and value is not None and document and when
    key = (indicator.pk, region.pk, year, figure)
    if key in seen:
        result.error(
            number, labels["figure"], "angka yang sama (indikator, wilayah, tahun, jenis) sudah ada di baris lain"
        )
        return
    seen.add(key)
    existing = lookups.existing.get((indicator.pk, region.pk, year))
    old = getattr(existing, figure) if existing is not None else None
    old_source = getattr(existing, f"{figure}_source") if existing is not None else None
    source_input = SourceInput(document=document[:300], number=number_text[:100], date=when)
    same_source = old_source is not None and (old_source.document, old_source.number, old_source.date) == (
        source_input.document.strip(),
        source_input.number.strip(),
        when,
    )
    action = "baru" if old is None else ("sama" if old == value and same_source else "ubah")
    result.rows.append(
        ParsedRow(
            row=number,
            entry=FigureInput(
                indicator=indicator, region=region, year=year, figure=figure, value=value, source=source_input
            ),
            old=old,
            action=action,
        )
    )


def indicator_import_parse(*, file: Any, user: Any) -> IndicatorParse:
    """Read and check an indicator workbook; writes nothing. Bounded like the proposal import."""
    budget = Budget()
    stream, name, size = source(file)
    result = IndicatorParse(filename=name)
    try:
        check_file(stream, name, size)
        workbook = open_workbook(stream, budget)
    except FileRejected as exc:
        result.error(None, "", exc.message)
        return result
    except Exception:  # whatever a damaged file makes openpyxl raise
        result.error(None, "", "Berkas .xlsx rusak atau tidak dapat dibaca.")
        return result
    try:
        sheet = next(
            (workbook[n] for n in workbook.sheetnames if n.strip().casefold() == SHEET.casefold()),
            workbook[workbook.sheetnames[0]],
        )
        lookups = _Lookups(user)
        header: dict[str, int] | None = None
        seen: set = set()
        data_rows = 0
        for number, values in sheet_rows(workbook, sheet, budget):
            if header is None:
                header = _header(values)
                if header is None and number >= HEADER_SEARCH_ROWS:
                    break
                continue
            cells = {key: values[index] if index < len(values) else None for key, index in header.items()}
            if all(_text(value) == "" for value in cells.values()):
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                result.rows.clear()
                result.errors[:] = [
                    (
                        None,
                        "",
                        f"Berkas berisi lebih dari {MAX_ROWS:,} baris; bagi menjadi beberapa berkas.".replace(",", "."),
                    )
                ]
                return result
            _row(number, cells, lookups, result, seen)
        if header is None:
            result.error(
                None,
                "",
                f"Baris judul kolom tidak ditemukan di {HEADER_SEARCH_ROWS} baris pertama sheet {sheet.title!r}: "
                "harus ada Kode Indikator, Kode Wilayah, Tahun, Jenis, Nilai, Dokumen Sumber dan Tanggal Sumber. "
                "Gunakan templat capaian indikator.",
            )
        elif not data_rows:
            result.error(None, "", "Tidak ada baris capaian di bawah baris judul kolom.")
    except FileRejected as exc:
        result.rows.clear()
        result.errors[:] = [(None, "", exc.message)]
    finally:
        workbook.close()
    return result


def stored_upload_parse(token: str, *, filename: str, user: Any) -> IndicatorParse:
    """Parse an upload kept by `programs.jobs.upload_keep` (copied to a local file first, as the proposal import
    does: zipfile seeks all over it)."""
    with default_storage.open(jobs.upload_name(token), "rb") as stored, tempfile.TemporaryFile() as local:
        shutil.copyfileobj(stored, local)
        local.seek(0)
        return indicator_import_parse(file=File(local, name=filename), user=user)


def run_indicator_preview(job: ExcelJob) -> None:
    """The worker's check of an upload: the preview in the job's outcome; the file kept only when confirmable."""
    token, filename = job.params["token"], job.params.get("filename", "")
    try:
        result = stored_upload_parse(token, filename=filename, user=job.user)
    except FileNotFoundError as exc:
        raise jobs.JobFailed("Berkas unggahan sudah tidak ada; unggah berkasnya lagi.") from exc
    confirmable = not result.errors and bool(result.to_save)
    if not confirmable:
        jobs.upload_discard(token)
    job.outcome = result.as_preview()
    job.rows_total = job.rows_done = len(result.rows)
    job.summary = f"{len(result.errors)} kesalahan" if result.errors else f"{len(result.to_save)} angka akan disimpan"
    job.params = {**job.params, "confirmable": confirmable}
