"""Import of the proposal workbook, every rule of shared/spec/usulan-xlsx.md.

`proposal_import_parse` reads and validates a file and says what it would do (create, update, leave alone), writing
nothing; `proposal_import_apply` writes that plan through the proposal services in one transaction, all or nothing.
The web view shows the parse result as the preview and applies it on confirmation; the `import_proposals` command
does both. In the order a file goes through them:

- `reading`: the file checks (name, size, archive, uncompressed size, XML) and the sheet's rows;
- `cells`: one cell at a time (text, codes, years, choices); numbers through `rakornis.numbers`;
- `checks`: the columns of one row (identity and access, description, place, money), with the lookups they need;
- `plan`: what each row does, and the overlap warnings (`programs.overlaps`);
- `apply`: the writes, through `programs.services`;
- `result`: what a parse found (`ImportResult`) and what an apply wrote (`ImportSummary`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from programs.xlsx import columns as cols
from programs.xlsx.importer.apply import proposal_import_apply
from programs.xlsx.importer.cells import CellError, clean_block, clean_line, is_blank
from programs.xlsx.importer.checks import Header
from programs.xlsx.importer.plan import HEADER_SEARCH_ROWS, Plan
from programs.xlsx.importer.reading import (
    DEFAULT_MAX_ROWS,
    SAVE_AS_XLSX,
    Budget,
    FileRejected,
    check_file,
    limit,
    logger,
    open_workbook,
    pick_sheet,
    sheet_rows,
    source,
)
from programs.xlsx.importer.result import (
    ImportIssue,
    ImportResult,
    ImportRow,
    ImportSummary,
    ProposalImportError,
    RowAction,
)
from rakornis.collector import collector_paused
from rakornis.formatting import format_thousands
from rakornis.numbers import parse_amount, parse_coordinate, parse_number, parse_volume

__all__ = [
    "CellError",
    "ImportIssue",
    "ImportResult",
    "ImportRow",
    "ImportSummary",
    "ProposalImportError",
    "RowAction",
    "clean_block",
    "clean_line",
    "parse_amount",
    "parse_coordinate",
    "parse_number",
    "parse_volume",
    "proposal_import_apply",
    "proposal_import_parse",
]

# Keys whose cells alone do not make a row: a row with only a running number or a zero total is blank.
_IGNORED_FOR_BLANK = {cols.NO.key, cols.TOTAL.key, cols.STATUS.key, cols.SUB_ACTIVITY_NAME.key}


@collector_paused()
def proposal_import_parse(
    *, file: Any, user: Any = None, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Read and check a proposal workbook; say what would be created, updated and left alone. Writes nothing.

    `file`: an upload, a binary file object, bytes or a path. `user`: whose rights apply (an operator only imports
    rows of their own kabupaten/kota); None for the command line without `--user`, which may import anything.
    `progress` hears how many sheet rows were read, now and then. The whole parse is bounded (`reading.Budget` and
    the counts there): a file past a bound is refused with one error that says which.
    """
    budget = Budget()
    stream, name, size = source(file)
    result = ImportResult(filename=name)
    close = isinstance(file, str | Path)
    try:
        try:
            check_file(stream, name, size)
        except FileRejected as exc:
            result.errors.append(ImportIssue(None, "", exc.message))
            return result
        try:
            workbook = open_workbook(stream, budget)
        except FileRejected as exc:
            result.errors.append(ImportIssue(None, "", exc.message))
            return result
        except Exception as exc:  # whatever a damaged file makes openpyxl raise
            logger.info("Import: openpyxl could not open %r: %r", name, exc)
            result.errors.append(ImportIssue(None, "", "Berkas .xlsx rusak atau tidak dapat dibaca. " + SAVE_AS_XLSX))
            return result
        try:
            _parse_workbook(workbook, user=user, result=result, budget=budget, progress=progress)
        except FileRejected as exc:
            # The file as a whole is refused: its one reason, not whatever rows were checked before.
            result.rows.clear()
            result.warnings.clear()
            result.errors[:] = [ImportIssue(None, "", exc.message)]
        finally:
            workbook.close()
        return result
    finally:
        if close:
            stream.close()


def _parse_workbook(
    workbook: Any, *, user: Any, result: ImportResult, budget: Budget, progress: Callable[[int], None] | None
) -> None:
    sheet = pick_sheet(workbook)
    result.sheet = sheet.title
    if not hasattr(sheet, "_worksheet_path"):
        result.errors.append(
            ImportIssue(None, "", f"Sheet {sheet.title!r} bukan lembar data. Pindahkan usulan ke sheet Usulan.")
        )
        return
    plan = Plan(user=user, result=result, budget=budget)
    if plan.create_codes == [] and plan.edit_codes == []:
        result.errors.append(
            ImportIssue(None, "", "Peran Anda tidak mengizinkan mengimpor usulan (hanya operator kabupaten/kota).")
        )
        return
    rows = sheet_rows(workbook, sheet, budget, progress)
    head: list[tuple[int, list[Any]]] = []
    for number, values in rows:
        head.append((number, values))
        if number >= HEADER_SEARCH_ROWS:
            break
    header = plan.find_header(head)
    if header is None:
        result.errors.append(
            ImportIssue(
                None,
                "",
                f"Baris judul kolom tidak ditemukan di {HEADER_SEARCH_ROWS} baris pertama sheet {sheet.title!r}: "
                "harus ada kolom seperti Tahun Anggaran, Kode Kabupaten/Kota, Nama Usulan, Volume, Satuan dan Pagu.",
            )
        )
        return
    result.header_row = header.row
    plan.check_required(header)
    if result.errors:
        return
    data = _data_rows(header, [(n, v) for n, v in head if n > header.row], rows, result)
    if data is None:
        return
    if not data:
        result.errors.append(
            ImportIssue(None, "", f"Tidak ada baris usulan di bawah baris judul kolom (baris {header.row}).")
        )
        return
    plan.run(data, header)
    # Row by row, as a planner fixes them; within a row, in the order they were found.
    result.errors.sort(key=lambda issue: issue.row or 0)


def _data_rows(
    header: Header, head: list[tuple[int, list[Any]]], rest: Any, result: ImportResult
) -> list[tuple[int, dict[str, Any]]] | None:
    """The non-blank rows below the header, as cells by field key; None (with the error) when there are too many."""
    max_rows = limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    data: list[tuple[int, dict[str, Any]]] = []
    for part in (head, rest):
        for number, values in part:
            cells = header.cells(values)
            if all(is_blank(value) for key, value in cells.items() if key not in _IGNORED_FOR_BLANK):
                continue
            if len(data) >= max_rows:
                result.errors.append(
                    ImportIssue(
                        None,
                        "",
                        f"Berkas berisi lebih dari {format_thousands(max_rows)} baris usulan; "
                        "bagi menjadi beberapa berkas.",
                    )
                )
                return None
            data.append((number, cells))
    return data
