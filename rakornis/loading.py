"""Small pieces shared by the reference-data loaders of several apps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LoadResult:
    """What one upsert step did: rows created, updated and left as they were."""

    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.label}: {self.created} baru, {self.updated} diubah, {self.unchanged} tetap"


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
