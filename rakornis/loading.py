"""Small pieces shared by the reference-data loaders of several apps."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models


@dataclass
class LoadResult:
    """What one upsert step did: rows created, updated and left as they were."""

    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.label}: {self.created} baru, {self.updated} diubah, {self.unchanged} tetap"

    def upsert(
        self, model: type[models.Model], stored: models.Model | None, key: dict[str, Any], values: dict[str, Any]
    ) -> None:
        """Create the row `key` + `values`, or save the `stored` one when one of its `values` differs; counted."""
        if stored is None:
            model._default_manager.create(**key, **values)
            self.created += 1
        elif any(getattr(stored, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(stored, field, value)
            stored.save(update_fields=list(values))
            self.updated += 1
        else:
            self.unchanged += 1


class ReferenceDataError(Exception):
    """A reference file that cannot be loaded; carries every problem found, each as one readable line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def clean_text(value: object) -> str:
    """Cell or CSV text without surrounding spaces, non-breaking spaces folded to plain ones."""
    if value is None:
        return ""
    return " ".join(str(value).replace("\u00a0", " ").split())


def read_csv(path: Path, columns: dict[str, str], *, optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV file as `{field: clean text}`, for `columns` (`{field: CSV column}`). A column in
    `optional` may be missing from the file (its field reads ""); any other missing column is an error."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in columns.values() if name not in (reader.fieldnames or ()) and name not in optional]
        if missing:
            raise ReferenceDataError([f"{path.name}: kolom {', '.join(missing)} tidak ada"])
        return [{field: clean_text(record.get(name)) for field, name in columns.items()} for record in reader]
