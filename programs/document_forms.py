"""Forms of the supporting documents and of the verifier's readiness checklist: they validate only; the services
(`programs.services.documents`, `programs.services.transitions`) check again under the row lock and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from programs.models import ProposalDocument, ReadinessCriterion
from programs.services.documents import ACCEPTED, DocumentRefused, document_check, document_max_bytes, size_label
from programs.services.readiness import readiness_checklist, unmet_without_note


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis dokumen"),
        choices=[("", "— pilih —"), *ProposalDocument.Kind.choices],
        error_messages={"required": _("Pilih jenis dokumen."), "invalid_choice": _("Pilih jenis dokumen dari daftar.")},
    )
    file = forms.FileField(
        label=_("Berkas"),
        error_messages={"required": _("Pilih berkas yang akan diunggah."), "empty": _("Berkas kosong.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.xlsx"}),
    )
    description = forms.CharField(label=_("Keterangan (opsional)"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext("%(accepted)s, paling besar %(size)s.") % {
            "accepted": ACCEPTED,
            "size": size_label(document_max_bytes()),
        }

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            self.content_type = document_check(upload)
        except DocumentRefused as exc:
            raise forms.ValidationError(str(exc), code="refused") from None
        return upload


RETURN_NOTE_REQUIRED = _("Catatan pengembalian wajib diisi: tuliskan apa yang harus diperbaiki.")


class ReadinessFieldsForm(forms.Form):
    """The readiness criteria and the verifier's note, with their one rule: a return needs a note, and so does a
    verification with a criterion unmet. The checklist page (`ChecklistForm`) and the list's bulk action
    (`programs.forms.BulkActionForm`) both build on it, so the two ask the same thing in the same words."""

    criteria = forms.ModelMultipleChoiceField(
        label=_("Kriteria kesiapan yang terpenuhi"),
        queryset=ReadinessCriterion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Kriteria yang dipilih tidak ada lagi; muat ulang halaman.")},
    )
    note = forms.CharField(
        label=_("Catatan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("Wajib untuk pengembalian, dan untuk verifikasi bila ada kriteria kesiapan yang belum terpenuhi."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["criteria"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = ReadinessCriterion.objects.filter(active=True).order_by("order", "pk")

    def criteria_met(self) -> list[int]:
        return [criterion.pk for criterion in self.cleaned_data.get("criteria", [])]

    def check_note(self, cleaned: dict[str, Any], *, verify: bool) -> None:
        """The note's rule, for a verification (`verify`) or a return."""
        note = cleaned.get("note", "")
        if not verify:
            if not note.strip():
                self.add_error("note", RETURN_NOTE_REQUIRED)
        elif "criteria" in cleaned and (problem := unmet_without_note(readiness_checklist(self.criteria_met()), note)):
            self.add_error("note", problem)


class ChecklistForm(ReadinessFieldsForm):
    """The verifier's checklist page: `verify` says whether the proposal is verified or returned."""

    def __init__(self, *args: Any, verify: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.verify = verify

    def met_ids(self) -> list[int]:
        return self.criteria_met()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_note(cleaned, verify=self.verify)
        return cleaned
