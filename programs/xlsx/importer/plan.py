"""From checked rows to a plan: each row creates a proposal, changes the one its ID Usulan names, or leaves it
alone; rows that may overlap other proposals (the project's one overlap rule, `programs.overlaps`) get a warning
and are imported all the same."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from programs import workflow
from programs.models import FundingScheme, Proposal
from programs.overlaps import Candidate, Overlap, overlaps_for
from programs.services import PROPOSAL_FIELDS
from programs.workflow import Event
from programs.xlsx import columns as cols
from programs.xlsx.importer.cells import clean_block, clean_line, is_blank
from programs.xlsx.importer.checks import Header, Lookups, RowCheck
from programs.xlsx.importer.reading import Budget
from programs.xlsx.importer.result import FIELD_LABELS, ImportIssue, ImportResult, ImportRow, RowAction
from rakornis import fiscal_year, policy
from rakornis.actions import Action
from rakornis.audit import audit_value

HEADER_SEARCH_ROWS = 20
HEADER_MIN_MATCHES = 3
# How many overlapping proposals a warning names (the preview links them all, up to `programs.overlaps.LIMIT`).
OVERLAPS_NAMED = 5


class Plan:
    """One parse of one file: the lookups it needs, loaded once, and the issues found."""

    def __init__(self, *, user: Any, result: ImportResult, budget: Budget | None = None) -> None:
        self.user = user
        self.result = result
        self.budget = budget or Budget()
        self.schemes = list(FundingScheme.objects.all())
        self.schemes_by_code = {scheme.code: scheme for scheme in self.schemes}
        self.create_codes = None if user is None else policy.action_codes(user, Action.CREATE)
        self.edit_codes = None if user is None else policy.action_codes(user, Action.EDIT)
        # The planning year the rows' years are checked against, read once for the file.
        self.default_year = fiscal_year.default_year()

    def error(self, row: int | None, column: str, message: str) -> None:
        self.result.errors.append(ImportIssue(row, column, message))

    def warn(self, row: int | None, column: str, message: str) -> None:
        self.result.warnings.append(ImportIssue(row, column, message))

    # The header -------------------------------------------------------------------------------------------------

    def find_header(self, rows: list[tuple[int, list[Any]]]) -> Header | None:
        index = cols.header_index(self.schemes)
        for number, values in rows:
            if number > HEADER_SEARCH_ROWS:
                break
            matches = {
                col: index[key]
                for col, value in enumerate(values)
                if isinstance(value, str) and (key := cols.normalise_header(value)) in index
            }
            if len({field.key for field in matches.values()}) < HEADER_MIN_MATCHES:
                continue
            positions: dict[str, int] = {}
            fields: dict[str, cols.Field] = {}
            for col, value in enumerate(values):
                if is_blank(value):
                    continue
                field_ = matches.get(col)
                label = clean_line(value)
                if field_ is None:
                    self.warn(number, label, "kolom tidak dikenal, diabaikan")
                elif field_.key in positions:
                    self.error(number, label, f"kolom {field_.label} muncul dua kali")
                else:
                    positions[field_.key] = col
                    fields[field_.key] = field_
            return Header(number, positions, fields)
        return None

    def check_required(self, header: Header) -> None:
        for field_ in cols.FIXED_FIELDS:
            if not field_.required or header.has(field_.key):
                continue
            if field_ is cols.SUB_ACTIVITY and header.has(cols.OUT_OF_CATALOGUE.key):
                continue  # then only rows inside the nomenclature need it; checked per row
            self.error(header.row, field_.label, "kolom wajib tidak ditemukan di baris judul kolom")
        if not header.scheme_keys:
            labels = ", ".join(label for label, _ in cols.SCHEME_COLUMNS[:3])
            self.error(header.row, "Pagu", f"tidak ada satu pun kolom Pagu (mis. {labels}, ...)")

    # The rows ---------------------------------------------------------------------------------------------------

    def run(self, rows: list[tuple[int, dict[str, Any]]], header: Header) -> None:
        lookups = Lookups.load(rows, self)
        seen_numbers: dict[str, int] = {}
        candidates: list[Candidate] = []
        for number, cells in rows:
            self.budget.check()
            errors_before = len(self.result.errors)
            planned = self.row(number, cells, header, lookups, seen_numbers)
            if planned is None or len(self.result.errors) > errors_before:
                continue
            row, candidate = planned
            self.result.rows.append(row)
            candidates.append(candidate)
        self.flag_overlaps(candidates)

    def row(
        self, number: int, cells: dict[str, Any], header: Header, lookups: Lookups, seen_numbers: dict[str, int]
    ) -> tuple[ImportRow, Candidate] | None:
        """The plan for one row and the row as the overlap rule sees it, or None after recording its problems."""
        check = RowCheck(self, lookups, header, number, cells)
        check.identity(seen_numbers)
        check.description()
        check.place()
        check.money()
        if check.problems:
            for column, message in check.problems:
                self.error(number, column, message)
            return None
        if check.existing is None:
            return self.plan_create(check)
        return self.plan_update(check, check.existing)

    def plan_create(self, check: RowCheck) -> tuple[ImportRow, Candidate] | None:
        assert check.year is not None and check.region is not None  # no problems: identity() found both
        lines = {pk: amount for pk, amount in check.funding.items() if amount > 0}
        values = check.values | {"fiscal_year": check.year, "region": check.region}
        values.setdefault("priority", Proposal.Priority.MEDIUM)
        values.setdefault("origin", Proposal.Origin.MUSRENBANG)
        row = self.planned_row(
            check,
            RowAction.CREATE,
            values["name"],
            lines,
            values=values,
            funding=lines,
            documents=values.get("declared_documents", []),
        )
        return None if row is None else (row, _candidate(row, values))

    def plan_update(self, check: RowCheck, existing: Proposal) -> tuple[ImportRow, Candidate] | None:
        """Compare the row with the stored proposal: columns missing from the file keep their stored values, and a
        line of Rp 0 is no line, in the file as in the database."""
        assert check.region is not None  # no problems: identity() found it
        values = check.values
        stored = {line.scheme_id: line.amount for line in existing.funding_lines.all() if line.amount > 0}
        wanted = dict(stored)
        for scheme_id, amount in check.funding.items():
            if amount > 0:
                wanted[scheme_id] = amount
            else:
                wanted.pop(scheme_id, None)
        changed = _changed_fields(existing, values)
        changes = {name: [audit_value(getattr(existing, name)), audit_value(values[name])] for name in changed}
        if stored != wanted:
            schemes = {scheme.pk: scheme for scheme in self.schemes}
            changes["funding"] = [
                _funding_snapshot((schemes[pk], amount) for pk, amount in stored.items()),
                _funding_snapshot((schemes[pk], amount) for pk, amount in wanted.items()),
            ]
        merged = {name: values.get(name, getattr(existing, name)) for name in ("sub_activity", "name", "location")}
        row = self.planned_row(
            check,
            RowAction.UNCHANGED,
            merged["name"],
            wanted,
            proposal_id=existing.pk,
            number=existing.number,
            version=existing.version,
            documents=values.get("declared_documents", existing.declared_documents),
        )
        if row is None:
            return None
        candidate = _candidate(row, {"fiscal_year": existing.fiscal_year, "region": check.region, **merged})
        if not changes:
            return row, candidate
        if not workflow.allows(Event.EDIT, existing.status):
            changed_labels = ", ".join(FIELD_LABELS.get(name, name) for name in changes)
            self.error(
                check.number,
                cols.NUMBER.label,
                f"usulan {existing.number} berstatus {existing.get_status_display()} sehingga tidak dapat diubah lewat "
                f"impor (hanya Draf atau Dikembalikan); yang berbeda: {changed_labels}",
            )
            return None
        row.action = RowAction.UPDATE
        row.values = {name: values[name] for name in changed}
        row.funding = wanted
        row.changes = changes
        return row, candidate

    def planned_row(
        self, check: RowCheck, action: RowAction, name: str, lines: dict[int, Decimal], **more: Any
    ) -> ImportRow | None:
        """The row's plan, its total that of the funding lines it will have; None, and an error, without a line."""
        assert check.region is not None  # no problems: identity() found it
        if not lines:
            self.error(check.number, "Pagu", "isi minimal satu kolom Pagu dengan nilai lebih dari 0")
            return None
        total = sum(lines.values(), Decimal(0))
        return ImportRow(row=check.number, action=action, name=name, region=check.region, total=total, **more)

    def flag_overlaps(self, candidates: list[Candidate]) -> None:
        """A warning per row that may overlap a saved proposal or another row of the file; the row is imported."""
        found = overlaps_for(candidates, row_label="baris")
        for row in self.result.rows:
            overlaps = found.get(row.row, [])
            if not overlaps:
                continue
            row.overlaps = overlaps
            self.warn(row.row, cols.NAME.label, overlap_message(overlaps))
        # The preview links only the proposals the user may open (another agency's may be outside their scope).
        others = {overlap.pk for overlaps in found.values() for overlap in overlaps if overlap.pk is not None}
        if others:
            proposals = Proposal.objects.all() if self.user is None else Proposal.objects.for_user(self.user)
            self.result.linkable = set(proposals.filter(pk__in=others).values_list("pk", flat=True))


def overlap_message(overlaps: list[Overlap]) -> str:
    named = ", ".join(overlap.label for overlap in overlaps[:OVERLAPS_NAMED])
    more = f" dan {len(overlaps) - OVERLAPS_NAMED} lainnya" if len(overlaps) > OVERLAPS_NAMED else ""
    return (
        f"kemungkinan tumpang tindih dengan {named}{more} (kabupaten/kota dan sub kegiatan sama, nama atau lokasi "
        "sama); tetap diimpor"
    )


def _candidate(row: ImportRow, values: dict[str, Any]) -> Candidate:
    sub_activity = values.get("sub_activity")
    return Candidate(
        key=row.row,
        fiscal_year=values["fiscal_year"],
        region_id=values["region"].pk,
        sub_activity_id=sub_activity.pk if sub_activity is not None else None,
        name=values.get("name") or "",
        location=values.get("location") or "",
        pk=row.proposal_id,
        number=row.number,
    )


def _funding_snapshot(lines: Iterable[tuple[FundingScheme, Decimal]]) -> dict[str, str]:
    """Funding lines as the proposal services audit them: `{scheme code: amount}` in scheme order."""
    ordered = sorted(lines, key=lambda line: (line[0].order, line[0].code))
    return {scheme.code: audit_value(amount) for scheme, amount in ordered}


def _same(field_name: str, stored: Any, new: Any) -> bool:
    if isinstance(stored, str) or isinstance(new, str):
        clean = clean_block if field_name in ("notes", "out_of_catalogue_reason") else clean_line
        return clean(stored or "") == clean(new or "")
    if hasattr(stored, "pk") or hasattr(new, "pk"):
        return getattr(stored, "pk", None) == getattr(new, "pk", None)
    return stored == new


def _changed_fields(proposal: Proposal, values: dict[str, Any]) -> list[str]:
    return [
        name for name in PROPOSAL_FIELDS if name in values and not _same(name, getattr(proposal, name), values[name])
    ]
