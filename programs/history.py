"""A proposal's history as its page shows it: the audit entries with their changes as readable rows."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from programs.models import FundingScheme, Proposal
from rakornis.formatting import format_rupiah
from rakornis.models import AuditEntry

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Lazy labels (the verbose names and choices are gettext_lazy): each page shows them in its reader's language.
FIELD_LABELS: dict[str, StrOrPromise] = {
    field.name: field.verbose_name for field in Proposal._meta.get_fields() if hasattr(field, "verbose_name")
}
FIELD_LABELS["funding"] = _("pendanaan")
FIELD_LABELS["document"] = _("dokumen pendukung")  # an upload or a deletion (programs.services.documents)
CHOICE_LABELS = {
    "status": dict(Proposal.Status.choices),
    "priority": {str(value): label for value, label in Proposal.Priority.choices},
    "origin": dict(Proposal.Origin.choices),
}
MONEY_FIELDS = {"forward_amount"}
STATUS_ACTIONS = {
    AuditEntry.Action.CREATED,
    AuditEntry.Action.SUBMITTED,
    AuditEntry.Action.WITHDRAWN,
    AuditEntry.Action.RETURNED,
    AuditEntry.Action.VERIFIED,
    AuditEntry.Action.DECIDED,
    AuditEntry.Action.CARRIED_OVER,
}


def _display(field: str, value: Any, scheme_names: dict[str, str]) -> StrOrPromise:
    if value is None or value == "" or value == {}:
        return "—"
    if field in CHOICE_LABELS:
        return CHOICE_LABELS[field].get(str(value), str(value))
    if field == "funding" and isinstance(value, dict):
        return "; ".join(
            f"{scheme_names.get(code, code)} {format_rupiah(Decimal(amount))}" for code, amount in value.items()
        )
    if field in MONEY_FIELDS:
        return format_rupiah(Decimal(value))
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    return str(value)


def history_rows(entries: Iterable[AuditEntry], scheme_names: dict[str, str]) -> list[dict[str, Any]]:
    """Audit entries with their changes as readable (label, old, new) rows."""
    rows = []
    for entry in entries:
        changes = [
            (FIELD_LABELS.get(field, field), _display(field, old, scheme_names), _display(field, new, scheme_names))
            for field, (old, new) in (entry.changes or {}).items()
            if field != "status"
        ]
        status = (entry.changes or {}).get("status")
        rows.append(
            {
                "entry": entry,
                "status": [_display("status", value, scheme_names) for value in status] if status else None,
                "changes": changes,
            }
        )
    return rows


def history_scheme_names(entries: Iterable[AuditEntry], schemes: Iterable[FundingScheme]) -> dict[str, str]:
    """The short names of the schemes that the entries' funding changes name, by code, for `history_rows`: taken from
    `schemes` (those the page has read already, with the proposal's funding lines) and read only for the others (a
    scheme the proposal no longer draws on), in one query."""
    names = {scheme.code: scheme.short_name for scheme in schemes}
    named: set[str] = set()
    for entry in entries:
        for value in (entry.changes or {}).get("funding") or ():  # [old, new], each {code: amount} or empty
            if isinstance(value, dict):
                named.update(value)
    missing = named - names.keys()
    if missing:
        names |= dict(FundingScheme.objects.filter(code__in=missing).values_list("code", "short_name"))
    return names
