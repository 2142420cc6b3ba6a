"""The interface speaks the reader's language; what the application stores or signs speaks Indonesian.

Official documents (the Berita Acara and its Lampiran, the Renja's official form, every Excel file) and texts kept
in the database (audit notes, notification texts, email subjects) stay in `settings.LANGUAGE_CODE` whatever language
the person who caused them reads: they are built inside `official_language()`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation

if TYPE_CHECKING:
    from django.http import HttpResponseBase
    from django_stubs_ext import StrOrPromise


def official_language() -> translation.override:
    """A `with` block in the language of official documents and stored texts (Indonesian)."""
    return translation.override(settings.LANGUAGE_CODE)


def official_text(text: StrOrPromise) -> str:
    """`text` (a lazy label, e.g. a choice's) as a plain string in the official language: for a stored text."""
    with official_language():
        return str(text)


def official_view[V: Callable[..., Any]](view: V) -> V:
    """A view whose page or file is an official document: it renders in Indonesian for every reader (a template
    response is rendered inside, before the language is given back)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
        with official_language():
            response = view(*args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                render()
            return response

    return wrapper  # type: ignore[return-value]
