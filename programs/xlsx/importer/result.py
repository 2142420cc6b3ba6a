"""What a parse of a proposal workbook found: the rows and what each does, the errors and the warnings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from agencies.models import Region
from programs.overlaps import Overlap
from programs.xlsx import columns as cols

WARNINGS_SHOWN = 200


@dataclass(frozen=True)
class ImportIssue:
    """One problem (or warning): the sheet row as the spreadsheet numbers it, the column, a message in Indonesian."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"Baris {self.row}" if self.row else "", self.column) if part)
        return f"{where}: {self.message}" if where else self.message


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass
class ImportRow:
    """What one valid row does. `values` are model field values (foreign keys as instances), for an update only
    those that change; `funding` maps a scheme id to its amount, the lines the proposal will have (a line of Rp 0
    is no line). `changes` is what an update changes, as the audit records it; `overlaps` the proposals (or other
    rows of the file) it may overlap, a warning only."""

    row: int
    action: RowAction
    name: str
    region: Region
    total: Decimal
    values: dict[str, Any] = field(default_factory=dict)
    funding: dict[int, Decimal] = field(default_factory=dict)
    proposal_id: int | None = None
    number: str = ""
    version: int | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)
    overlaps: list[Overlap] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # the declared document kinds the proposal will have

    @property
    def changed_labels(self) -> list[str]:
        return [FIELD_LABELS.get(name, name) for name in self.changes]


@dataclass
class ImportResult:
    filename: str = ""
    sheet: str = ""
    header_row: int | None = None
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    linkable: set[int] = field(default_factory=set)  # the overlapping proposals the user may open

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def _of(self, action: RowAction) -> list[ImportRow]:
        return [row for row in self.rows if row.action is action]

    @property
    def to_create(self) -> list[ImportRow]:
        return self._of(RowAction.CREATE)

    @property
    def to_update(self) -> list[ImportRow]:
        return self._of(RowAction.UPDATE)

    @property
    def unchanged(self) -> list[ImportRow]:
        return self._of(RowAction.UNCHANGED)

    @property
    def overlapping(self) -> list[ImportRow]:
        return [row for row in self.rows if row.overlaps]

    @property
    def rows_that_matter_first(self) -> list[ImportRow]:
        """The preview's order: rows that create, change or may overlap, then the rows left alone; each in file
        order. A preview of the first rows of a big export would otherwise show only unchanged rows."""
        return sorted(self.rows, key=lambda row: row.action is RowAction.UNCHANGED and not row.overlaps)

    @property
    def shown_warnings(self) -> list[ImportIssue]:
        """The warnings a page lists (a file of 20,000 rows may have as many)."""
        return self.warnings[:WARNINGS_SHOWN]

    @property
    def more_warnings(self) -> int:
        return max(len(self.warnings) - WARNINGS_SHOWN, 0)

    @property
    def error_rows(self) -> int:
        return len({issue.row for issue in self.errors if issue.row is not None})

    def as_preview(self, *, rows: int, errors: int) -> dict[str, Any]:
        """What the preview page shows of this parse, as JSON (the worker parses, the web process shows it): the
        first `errors` errors and, past those, their count per column; the warnings a page lists; the first `rows`
        rows, those that matter first, each overlap linked only when the user may open it."""
        return {
            "filename": self.filename,
            "errors": [{"row": i.row, "column": i.column, "message": i.message} for i in self.errors[:errors]],
            "error_count": len(self.errors),
            "error_rows": self.error_rows,
            "error_columns": Counter(i.column for i in self.errors).most_common() if len(self.errors) > errors else [],
            "warnings": [str(issue) for issue in self.shown_warnings],
            "warning_count": len(self.warnings),
            "rows_count": len(self.rows),
            "create": len(self.to_create),
            "update": len(self.to_update),
            "unchanged": len(self.unchanged),
            "overlapping": len(self.overlapping),
            "rows": [
                {
                    "row": row.row,
                    "action": str(row.action),
                    "number": row.number,
                    "name": row.name,
                    "region": row.region.name,
                    "total": str(row.total),
                    "changed": row.changed_labels,
                    "documents": cols.document_names(row.documents),
                    "overlaps": [
                        {"label": other.label, "pk": other.pk if other.pk in self.linkable else None}
                        for other in row.overlaps
                    ],
                }
                for row in self.rows_that_matter_first[:rows]
            ],
        }

    def summary(self) -> str:
        text = f"{len(self.to_create)} usulan baru, {len(self.to_update)} diubah, {len(self.unchanged)} tanpa perubahan"
        if self.errors:
            text += f"; {len(self.errors)} kesalahan di {self.error_rows} baris \u2014 tidak ada yang disimpan"
        return text


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{len(self.created)} usulan baru, {len(self.updated)} diubah, {self.unchanged} tanpa perubahan"


class ProposalImportError(Exception):
    """The plan cannot be written (errors in the file, or proposals changed since the preview); nothing was saved."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


FIELD_LABELS = {
    "fiscal_year": cols.FISCAL_YEAR.label,
    "region": cols.REGION_CODE.label,
    "agency": cols.AGENCY.label,
    "sub_activity": cols.SUB_ACTIVITY.label,
    "out_of_catalogue": cols.OUT_OF_CATALOGUE.label,
    "out_of_catalogue_reason": "Alasan di luar nomenklatur",
    "name": cols.NAME.label,
    "location": cols.LOCATION.label,
    "district": "Kecamatan",
    "village": "Desa/Kelurahan",
    "latitude": cols.LATITUDE.label,
    "longitude": cols.LONGITUDE.label,
    "volume": cols.VOLUME.label,
    "unit": cols.UNIT.label,
    "output_indicator": cols.OUTPUT_INDICATOR.label,
    "priority": cols.PRIORITY.label,
    "origin": cols.ORIGIN.label,
    "forward_volume": cols.FORWARD_VOLUME.label,
    "forward_amount": cols.FORWARD_AMOUNT.label,
    "notes": cols.NOTES.label,
    "declared_documents": cols.DECLARED_DOCUMENTS.label,
    "funding": "Pagu",
}
