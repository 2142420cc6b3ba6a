"""Writing a parse result through the proposal services, all or nothing: the import numbers, stores and audits
proposals exactly as the form does (`programs.services`); only the audit note says which file and row."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from programs.services import (
    BulkRefusal,
    ProposalInput,
    ProposalUpdate,
    proposal_create_bulk_numbers,
    proposal_update_bulk,
)
from programs.xlsx import columns as cols
from programs.xlsx.importer.result import ImportIssue, ImportResult, ImportSummary, ProposalImportError
from rakornis.collector import collector_paused
from rakornis.models import AuditEntry


@collector_paused()
@transaction.atomic
def proposal_import_apply(*, result: ImportResult, user: Any) -> ImportSummary:
    """Write a parse result: every update and every new proposal with its number, funding lines and audit entry, or
    nothing at all. Proposals changed by someone else since the parse, or no longer editable, fail the whole import
    with a problem per row (`ProposalImportError`)."""
    if result.errors:
        raise ProposalImportError(result.errors)
    prefix = f"Diimpor dari {result.filename}" if result.filename else "Diimpor dari berkas .xlsx"
    summary = ImportSummary(unchanged=len(result.unchanged))
    updates = result.to_update
    rows_by_label = {f"baris {row.row}": row.row for row in updates}
    try:
        changed = proposal_update_bulk(
            user=user,
            updates=[
                ProposalUpdate(
                    proposal_id=row.proposal_id,
                    version=row.version,
                    data=row.values,
                    funding=row.funding,
                    note=f"{prefix}, baris {row.row}.",
                    label=f"baris {row.row}",
                )
                for row in updates
                if row.proposal_id is not None and row.version is not None
            ],
            action=AuditEntry.Action.IMPORTED,
        )
    except BulkRefusal as refusal:
        raise ProposalImportError(
            [ImportIssue(rows_by_label.get(label), cols.NUMBER.label, message) for label, message in refusal.problems]
        ) from refusal
    summary.updated = [proposal.number for proposal in changed]
    summary.created = proposal_create_bulk_numbers(
        user=user,
        inputs=[
            ProposalInput(data=row.values, funding=row.funding, note=f"{prefix}, baris {row.row}.")
            for row in result.to_create
        ],
        action=AuditEntry.Action.IMPORTED,
    )
    return summary
