"""Inserting thousands of rows at once: `COPY` on PostgreSQL, the ORM's `bulk_create` elsewhere (SQLite).

Why not `bulk_create` everywhere: for a 10,000-row import most of its time went into Django preparing and compiling
the INSERTs (each value through its field's `get_db_prep_save`, then psycopg dumping the UNNEST arrays), more than the
database took to write them. Here a row is the instance's attribute values as they are, which psycopg's C adapters
write in a COPY stream; the database parses them by column type as it would the INSERT's parameters. Ids that the
caller needs back (`with_ids`) are taken first from the table's sequence in one statement.

What it writes is what `bulk_create` writes (tests/programs/test_proposal_create_bulk.py compares the rows): every
concrete field, the `auto_now`/`auto_now_add` timestamps set (one instant for the batch), JSON as JSON. It does not
know custom field types that prepare their value in `get_db_prep_save`: `_converter` refuses them rather than write
them wrong.
"""

from __future__ import annotations

import itertools
import json
import operator
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone

BATCH_SIZE = 1000  # rows per INSERT of the ORM path

# Field types whose Python value psycopg writes as the column's text form, as the ORM would send it.
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.DecimalField,
    models.ForeignKey,
    models.IntegerField,
    models.TextField,
)


def copies() -> bool:
    """Whether this database takes the COPY path (tests switch it off to compare with the ORM's rows)."""
    return connection.vendor == "postgresql"


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model], *, with_ids: bool = True) -> None:
    """Insert the unsaved instances `objs` of `model`, setting their primary keys when `with_ids` (the ORM path
    always does, as `bulk_create` does)."""
    if not objs:
        return
    if not copies():
        model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields if with_ids or not field.primary_key]
    now = timezone.now()
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    for obj in objs:
        for field in stamped:
            setattr(obj, field.attname, now)
    if with_ids:
        for obj, pk in zip(objs, _next_ids(model, len(objs)), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
    converters = [_converter(field) for field in fields]
    attnames = [field.attname for field in fields]
    rows = (
        [value if convert is None else convert(value) for value, convert in zip(values, converters, strict=True)]
        for values in ([getattr(obj, name) for name in attnames] for obj in objs)
    )
    _copy(meta.db_table, _columns(fields), rows)


def bulk_insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert plain rows, values in the order of `attnames` (field attnames: `proposal_id`), without making model
    instances on PostgreSQL (nor getting ids back); the other fields take their defaults as `bulk_create` gives
    them. For many small rows of a simple model: funding lines."""
    if not copies():
        model._default_manager.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=BATCH_SIZE
        )
        return
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    given = [by_attname[name] for name in attnames]
    rest = [field for field in meta.concrete_fields if not field.primary_key and field.attname not in attnames]
    defaults = []
    for field in rest:
        if not field.has_default() and not field.null:
            raise ValueError(f"{meta.label}.{field.name} has no default: name it in attnames")
        defaults.append(field.get_default())
    converters = [_converter(field) for field in given + rest]
    full = (
        [
            value if convert is None else convert(value)
            for value, convert in zip([*row, *defaults], converters, strict=True)
        ]
        for row in rows
    )
    _copy(meta.db_table, _columns(given + rest), full)


def bulk_insert_values(model: type[models.Model], values: Iterable[dict[str, Any]], *, with_ids: bool = True) -> None:
    """Insert rows given as `{field name: value}` (related objects as instances, as `instances` takes them, or by
    attname and key: `user_id`) without making model instances on PostgreSQL: what `bulk_insert(model,
    instances(model, values))` writes, without the instances and reading their attributes back, which for a
    10,000-proposal import cost more than the COPY. Every mapping must name the same fields. Each gets what the
    insert added: the `auto_now`/`auto_now_add` timestamps it did not name and, `with_ids`, its primary key (`id`),
    so that it holds the row as written.

    Without ids, `values` may be made as they are written (a generator): the COPY takes each mapping and lets it go,
    instead of holding them all (an import's 10,000 audit entries with their changes took 30 MB). A mapping that
    names other fields than the first then stops the COPY with the ValueError."""
    meta = model._meta
    # Held as a list for the ids (taken for all rows at once) and for bulk_create; else taken one at a time.
    held = list(values) if with_ids or not copies() else None
    rows = iter(values if held is None else held)
    first = next(rows, None)
    if first is None:
        return
    if held is not None and not copies():
        objs = [model(**given) for given in held]
        model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
        filled = _filled(meta, first.keys(), with_ids)
        for given, obj in zip(held, objs, strict=True):
            given.update((field.name, getattr(obj, field.attname)) for field in filled)
        return
    names = set(first)
    now = timezone.now()
    filled = _filled(meta, names, with_ids)
    stamped = [field.name for field in filled if not field.primary_key]
    ids = iter(_next_ids(model, len(held))) if held is not None and with_ids else None
    fields = [field for field in meta.concrete_fields if _key(field, names) or field in filled]
    rest = [field for field in meta.concrete_fields if field not in fields and not field.primary_key]
    defaults = [value if convert is None else convert(value) for value, convert in _defaults(rest)]
    order = [_key(field, names) or field.name for field in fields]
    if unknown := names - set(order):
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    # Most values go in as they are; only related objects (by their key) and JSON are converted, by position.
    fixes = [
        (index, _key_of(field))
        for index, (field, name) in enumerate(zip(fields, order, strict=True))
        if isinstance(field, models.ForeignKey) and name == field.name
    ]
    fixes += [(index, convert) for index, field in enumerate(fields) if (convert := _converter(field)) is not None]

    values_of = operator.itemgetter(*order)

    def row(given: dict[str, Any]) -> list[Any]:
        if given.keys() != names:
            raise ValueError(f"{meta.label}: every row must name the same fields ({', '.join(sorted(names))})")
        for name in stamped:
            given[name] = now
        if ids is not None:
            given[meta.pk.name] = next(ids)
        made = [*values_of(given), *defaults] if len(order) > 1 else [values_of(given), *defaults]
        for index, fix in fixes:
            made[index] = fix(made[index])
        return made

    _copy(meta.db_table, _columns(fields + rest), (row(given) for given in itertools.chain([first], rows)))


def _key(field: models.Field, names: Iterable[str]) -> str | None:
    """How rows name `field`: by its name (`region`: an instance or its key) or its attname (`region_id`)."""
    return field.name if field.name in names else field.attname if field.attname in names else None


def _key_of(field: models.ForeignKey) -> Any:
    """What the column of `field` holds for a related instance (or a key given as it is): its `.pk`, read from the
    related model's key attribute without the property's method call (60,000 of them for 10,000 proposals)."""
    attname = field.related_model._meta.pk.attname

    def key(value: Any) -> Any:
        return getattr(value, attname) if isinstance(value, models.Model) else value

    return key


def _defaults(fields: list[models.Field]) -> list[tuple[Any, Any]]:
    """(default, converter) of the fields a row leaves out, refusing a field that has none."""
    made = []
    for field in fields:
        if not field.has_default() and not field.null:
            raise ValueError(f"{field.model._meta.label}.{field.name} has no default: name it in the rows")
        made.append((field.get_default(), _converter(field)))
    return made


def _filled(meta: Any, names: Iterable[str], with_ids: bool) -> list[models.Field]:
    """The fields an insert fills in that the rows did not name: the timestamps, and the primary key `with_ids`."""
    named = set(names)
    return [
        field
        for field in meta.concrete_fields
        if field.name not in named
        and (
            (field.primary_key and with_ids)
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        )
    ]


def saved[M: models.Model](objs: list[M]) -> list[M]:
    """Mark instances made by `instances` from rows already inserted (with their ids) as saved ones."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def instances[M: models.Model](model: type[M], values: Iterable[Mapping[str, Any]]) -> list[M]:
    """Unsaved instances of `model` from `{field name: value}` (related objects as instances), as `model(**values)`
    makes them, in half its time (10,000 proposals: 0.40 s against 0.89 s): the values go in by position, and each
    related object is cached on the instance as `select_related` caches it, instead of going through its descriptor's
    checks (six per proposal)."""
    fields = model._meta.concrete_fields
    names = {field.name for field in fields}
    made = []
    for given in values:
        if unknown := given.keys() - names:
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        args: list[Any] = []
        related: list[tuple[models.ForeignKey, models.Model]] = []
        for field in fields:
            if field.name not in given:
                args.append(field.get_default())
                continue
            value = given[field.name]
            if isinstance(field, models.ForeignKey) and isinstance(value, models.Model):
                related.append((field, value))
                value = value.pk
            args.append(value)
        obj = model(*args)
        for field, value in related:
            field.set_cached_value(obj, value)
        made.append(obj)
    return made


def _converter(field: models.Field) -> Any:
    """None when the attribute's value goes into the COPY as it is; else a function that makes it so."""
    if isinstance(field, models.JSONField):
        # What json.dumps(value, cls=field.encoder) writes, from one encoder instead of one per value (20,000 of
        # them in a 10,000-row import: a third of the encoding's time).
        # Without the check for circular references, which costs a dict insert and delete per list and dict (20 in
        # an audit entry's changes): these are plain values the services made, written as the check would have.
        encode = (field.encoder or json.JSONEncoder)(check_circular=False).encode

        def to_json(value: Any) -> str | None:
            if value is None:
                return None
            return "[]" if type(value) is list and not value else encode(value)  # [] as every encoder writes it

        return to_json
    if isinstance(field, _PLAIN):
        return None
    raise TypeError(
        f"bulk_insert does not know how to write {type(field).__name__} {field.model.__name__}.{field.name}"
    )


def _columns(fields: Iterable[models.Field]) -> list[str]:
    return [cast(str, field.column) for field in fields]  # a concrete field has its column


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new ids from the table's sequence, in one statement, ascending (as the ORM's INSERT gives them)."""
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _copy(table: str, columns: list[str], rows: Iterable[list[Any]]) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    started = time.monotonic()
    # Django's cursor wrapper logs and wraps execute(); COPY goes to psycopg's cursor, so both are done here: errors
    # become django.db's (IntegrityError...), and the statement appears in connection.queries (query-count tests).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
