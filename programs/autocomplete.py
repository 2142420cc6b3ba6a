"""Search-as-you-type over the nomenclature: the JSON endpoints the proposal form's sub kegiatan field and the list's
program/kegiatan filter ask (static/js/subactivity_autocomplete.js), and the form field that reads what was typed;
also the list's kabupaten/kota box for a scope of hundreds (`region_search`).

A complete decree list holds some 25,000 codes: a <select> of them made the proposal form 1.7 MB and seconds to draw.
The field is now a text box that takes a code (typed, or chosen from the suggestions), so the page works without
JavaScript too; the server checks the code. Each answer holds at most MAX_RESULTS codes, read in code order from the
index of migration 0012 (a code prefix, or the name trigrams on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from programs.models import NOMENCLATURE_CODE_RE, Nomenclature, NomenclatureMapping
from rakornis import policy

MAX_RESULTS = 20
MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100


def _query(request: HttpRequest) -> str:
    """The typed words, without control characters (a NUL is refused by PostgreSQL: it would be a 500)."""
    text = request.GET.get("q", "")
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())


def _answer(request: HttpRequest, nodes: Any, row: Any) -> JsonResponse:
    if not policy.sees_nomenclature(request.user):
        raise Http404("Akun ini belum memiliki peran.")
    query = _query(request)
    if len(query) > MAX_QUERY_LENGTH:
        return JsonResponse(
            {"results": [], "error": f"Kata kunci paling banyak {MAX_QUERY_LENGTH} karakter."}, status=400
        )
    if len(query) < MIN_QUERY_LENGTH:  # one letter matches nearly everything, and no trigram index can answer it
        return JsonResponse({"results": []})
    found = list(nodes.search(query).order_by("code")[: MAX_RESULTS + 1])
    return JsonResponse({"results": [row(node) for node in found[:MAX_RESULTS]], "more": len(found) > MAX_RESULTS})


@require_GET
@login_required
def sub_activity_search(request: HttpRequest) -> JsonResponse:
    """Sub kegiatan in force whose code starts with, or whose name contains, the words of `q` (at most 20)."""
    return _answer(
        request,
        Nomenclature.objects.sub_activities().active(),
        lambda node: {
            "id": node.pk,
            "code": node.code,
            "name": node.name_for(node.government_level),
            "government_level": node.government_level,
            "unit": node.unit,
        },
    )


@require_GET
@login_required
def program_search(request: HttpRequest) -> JsonResponse:
    """Programs and kegiatan for the list's filter, retired ones too (old proposals carry them), marked as such."""
    return _answer(
        request,
        Nomenclature.objects.filter(level__in=[Nomenclature.Level.PROGRAM, Nomenclature.Level.ACTIVITY]),
        lambda node: {
            "id": node.pk,
            "code": node.code,
            "name": node.name_for(node.government_level),
            "level": node.get_level_display(),
            "retired": not node.is_active,
        },
    )


@require_GET
@login_required
def region_search(request: HttpRequest) -> JsonResponse:
    """Kabupaten/kota of the user's scope (`policy.regencies_for`, the list filter's own choices) whose code starts
    with `q` or whose name holds every word of it, at most 20 in code order: the list's kabupaten/kota box for a
    scope too large for a drop-down (programs.filters.REGION_SELECT_LIMIT). A user without a scope finds nothing.
    Each names its province (a kabupaten/kota's parent, joined in the same query): Kota Banjar (32.79, Jawa Barat)
    and Kabupaten Banjar (63.03, Kalimantan Selatan) are otherwise told apart only by their codes."""
    query = _query(request)
    if len(query) > MAX_QUERY_LENGTH:
        message = gettext("Kata kunci paling banyak %(count)d karakter.") % {"count": MAX_QUERY_LENGTH}
        return JsonResponse({"results": [], "error": message}, status=400)
    if len(query) < MIN_QUERY_LENGTH:
        return JsonResponse({"results": []})
    by_name = Q()
    for word in query.split():
        by_name &= Q(name__icontains=word)
    regencies = policy.regencies_for(request.user).filter(Q(code__startswith=query) | by_name).order_by("code")
    found = list(regencies.values_list("code", "name", "parent__name")[: MAX_RESULTS + 1])
    results = [{"code": code, "name": name, "province": province} for code, name, province in found[:MAX_RESULTS]]
    return JsonResponse({"results": results, "more": len(found) > MAX_RESULTS})


def successors(node: Nomenclature) -> list[Nomenclature]:
    """The codes a decree says continue `node`, in code order."""
    return [
        link.new
        for link in NomenclatureMapping.objects.filter(old=node).select_related("new").order_by("new__code")
        if link.new.is_active
    ]


def retired_message(node: Nomenclature) -> str:
    """Why `node` is no longer offered, and what to use instead where a decree says."""
    text = f"Kode {node.code} sudah tidak berlaku"
    if node.retired_by_id is not None:
        text += f" (tidak lagi dimuat {node.retired_by})"
    new = successors(node)
    if new:
        return text + ". Gunakan kode penggantinya: " + "; ".join(f"{n.code} {n.name}" for n in new) + "."
    return text + "; pilih sub kegiatan lain yang berlaku."


class SubActivityInput(forms.TextInput):
    """A text box for a sub kegiatan code; static/js/subactivity_autocomplete.js turns it into a combobox."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "Ketik kode atau nama, mis. 1.03.10.2.01.0055 atau rehabilitasi jalan",
                "data-autocomplete-url": reverse_lazy("programs:sub-activity-search"),
                "data-autocomplete": "sub-activity",
                **(attrs or {}),
            }
        )


class SubActivityField(forms.Field):
    """A sub kegiatan typed as its code (`1.03.10.2.01.0055`, or `1.03.10.2.01.0055 Rehabilitasi Jalan` as the
    suggestions fill it in), or given by its id (what a program posts). Only codes in force are taken, except the one
    the proposal already carries (`kept`): what was valid when it was saved may stay."""

    widget = SubActivityInput
    default_error_messages = {
        "malformed": "Tulis kode sub kegiatan lengkap (mis. 1.03.10.2.01.0055) atau pilih dari saran yang muncul "
        "saat mengetik.",
        "unknown": "Kode {code} tidak ada dalam nomenklatur.",
    }

    def __init__(self, *, kept: Nomenclature | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kept = kept

    def prepare_value(self, value: Any) -> Any:
        """The box shows `code name`: for the saved sub kegiatan (an id, or the object), or as typed."""
        if isinstance(value, Nomenclature):
            return f"{value.code} {value.name_for(value.government_level)}"
        if isinstance(value, int):
            node = self.kept if self.kept is not None and self.kept.pk == value else self._find(pk=value)
            return self.prepare_value(node) if node is not None else ""
        return value

    def to_python(self, value: Any) -> Nomenclature | None:
        if isinstance(value, Nomenclature):
            return value
        text = " ".join(str(value or "").split())
        if not text:
            return None
        first = text.split(" ", 1)[0]
        if first.isdigit() and " " not in text:
            node = self._find(pk=int(first)) if len(first) < 19 else None
            if node is None:
                raise ValidationError(self.error_messages["malformed"], code="malformed")
        else:
            if Nomenclature.level_for_code(first) != Nomenclature.Level.SUB_ACTIVITY or not NOMENCLATURE_CODE_RE.match(
                first
            ):
                raise ValidationError(self.error_messages["malformed"], code="malformed")
            node = self._find(code=first)
            if node is None:
                raise ValidationError(self.error_messages["unknown"].format(code=first), code="unknown")
        if not node.is_active and (self.kept is None or node.pk != self.kept.pk):
            raise ValidationError(retired_message(node), code="retired")
        return node

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            chosen = self.to_python(data)
        except ValidationError:
            return True
        initial_pk = initial.pk if isinstance(initial, Nomenclature) else initial
        return (chosen.pk if chosen is not None else None) != (initial_pk or None)

    def _find(self, **lookup: Any) -> Nomenclature | None:
        if self.kept is not None and all(getattr(self.kept, key) == value for key, value in lookup.items()):
            return self.kept
        return Nomenclature.objects.sub_activities().select_related("retired_by").filter(**lookup).first()
