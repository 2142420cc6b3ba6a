"""Audit entries: call `audit_log` inside the transaction of the change it records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, Unpack

from django.contrib.contenttypes.models import ContentType
from django.db import models

from rakornis.bulk import bulk_insert
from rakornis.models import AuditEntry
from rakornis.types import Actor, person


def audit_value(value: Any) -> Any:
    """A JSON-safe form of a field value: model instances by their str, money and dates as text."""
    if value is None or type(value) is str:  # most values, first: an import audits 200,000 of them
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        # Plain digits, never scientific notation: 1500000000 stays "1500000000", 2.50 becomes "2.5".
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field values of `instance`, for comparing before and after a change."""
    return {field: audit_value(getattr(instance, field)) for field in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for the fields whose value changed."""
    return {field: [before.get(field), after.get(field)] for field in after if before.get(field) != after.get(field)}


class EntryFields(TypedDict):
    """What an entry records: who, on which row, which action; the changed fields and a note when there are any."""

    user: Actor
    obj: models.Model
    action: str
    changes: NotRequired[dict[str, list[Any]] | None]
    note: NotRequired[str]


def audit_log(**fields: Unpack[EntryFields]) -> AuditEntry:
    entry = audit_entry(**fields)
    entry.save()
    return entry


def audit_entry(**fields: Unpack[EntryFields]) -> AuditEntry:
    """An unsaved entry, for `audit_log_bulk`: imports write thousands in a few INSERTs."""
    obj = fields["obj"]
    author = person(fields["user"])
    # By id, not instance: an import makes 10,000 entries, and each related instance costs a descriptor's checks.
    return AuditEntry(
        content_type_id=ContentType.objects.get_for_model(obj).pk,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        action=fields["action"],
        user_id=author.pk if author is not None else None,
        changes=fields.get("changes") or {},
        note=fields.get("note", ""),
    )


def audit_log_bulk(entries: list[AuditEntry]) -> None:
    """Save unsaved entries in one COPY on PostgreSQL (a few INSERTs elsewhere); their ids are not read back."""
    bulk_insert(AuditEntry, entries, with_ids=False)
