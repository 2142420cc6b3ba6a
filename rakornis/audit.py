"""Audit entries: call `audit_log` inside the transaction of the change it records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, Unpack

from django.contrib.contenttypes.models import ContentType
from django.db import models

from rakornis.bulk import bulk_insert, bulk_insert_values
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

# Values that are their own JSON-safe form; by exact type (a TextChoices member, a str subclass, goes the long way).
_AS_IS = frozenset({type(None), str, int, bool, float})
# What a creation entry leaves out (0 and False are kept): a tuple made once, not with a new {} and [] per value.
_EMPTY: tuple[Any, ...] = (None, "", {}, [])


def audit_value(value: Any) -> Any:
    """A JSON-safe form of a field value: model instances by their str, money and dates as text."""
    if type(value) in _AS_IS:  # most values, first: an import audits 200,000 of them
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
    return audit_values({field: getattr(instance, field) for field in fields}, fields)


def audit_values(values: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """`audit_value` of each value named in `names`, in that order: a snapshot of field values."""
    made = {}
    for name in names:
        value = values[name]
        # Not calling for the values that are as they are saves a third of an import's snapshots.
        made[name] = value if type(value) in _AS_IS else audit_value(value)
    return made


def audit_created(
    values: Mapping[str, Any], names: Iterable[str], related: dict[int, tuple[models.Model, str]] | None = None
) -> dict[str, list[Any]]:
    """`{field: [None, value]}` of a new row's `audit_values`, for those that are not empty (0 and False are kept):
    what its creation entry records, made in one pass (an import makes 10,000 of them).

    `related`, shared by the rows of one batch, keeps the str of each related instance they hold (by identity, with
    the instance): rows of an import name the same few hundred kabupaten/kota, agencies and sub kegiatan 40,000
    times."""
    made = {}
    for name in names:
        value = values[name]
        if type(value) not in _AS_IS:
            if related is not None and isinstance(value, models.Model):
                if (known := related.get(id(value))) is None:
                    known = related[id(value)] = (value, str(value))
                value = known[1]
            else:
                value = audit_value(value)
        # A value that is true is never empty: the comparisons only for the others.
        if value or value not in _EMPTY:
            made[name] = [None, value]
    return made


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
        **_entry_values(
            content_type_id=ContentType.objects.get_for_model(obj).pk,
            user_id=author.pk if author is not None else None,
            action=fields["action"],
            object_id=obj.pk,
            object_repr=str(obj),
            changes=fields.get("changes"),
            note=fields.get("note", ""),
        )
    )


def audit_log_bulk(entries: list[AuditEntry]) -> None:
    """Save unsaved entries in one COPY on PostgreSQL (a few INSERTs elsewhere); their ids are not read back."""
    bulk_insert(AuditEntry, entries, with_ids=False)


def audit_log_rows(
    *, user: Actor, model: type[models.Model], action: str, rows: Iterable[tuple[Any, str, dict[str, Any], str]]
) -> None:
    """The entries `audit_entry` makes, saved as `audit_log_bulk` saves them, for rows of `model` known by their
    values alone: each (primary key, str() of the row, changes, note). For thousands of rows written without
    instances (`proposal_create_bulk`), so that none is made for the entries either."""
    author = person(user)
    content_type_id = ContentType.objects.get_for_model(model).pk
    user_id = author.pk if author is not None else None
    bulk_insert_values(
        AuditEntry,
        (  # made as the COPY takes them: 10,000 entries with their changes, held together, took 30 MB
            _entry_values(
                content_type_id=content_type_id,
                user_id=user_id,
                action=action,
                object_id=pk,
                object_repr=text,
                changes=changes,
                note=note,
            )
            for pk, text, changes, note in rows
        ),
        with_ids=False,
    )


def _entry_values(
    *,
    content_type_id: int,
    user_id: int | None,
    action: str,
    object_id: Any,
    object_repr: str,
    changes: dict[str, list[Any]] | None,
    note: str,
) -> dict[str, Any]:
    """An entry's fields (related ones by id), for both ways of making entries."""
    return {
        "content_type_id": content_type_id,
        "object_id": str(object_id),
        "object_repr": object_repr[:300],
        "action": action,
        "user_id": user_id,
        "changes": changes or {},
        "note": note,
    }
