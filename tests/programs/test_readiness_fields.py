"""The readiness criteria and the note ask the same thing in the same words on the verifier's checklist page and on
the list's bulk action: one set of fields and one rule (`ReadinessFieldsForm`), whichever page the verifier uses."""

import pytest

from programs.document_forms import RETURN_NOTE_REQUIRED, ChecklistForm
from programs.forms import BulkActionForm
from programs.models import ReadinessCriterion

pytestmark = pytest.mark.django_db


def _checklist(data, *, verify):
    return ChecklistForm(data, verify=verify)


def _bulk(data, *, verify):
    return BulkActionForm({**data, "action": "verify" if verify else "return"}, actions=["verify", "return"])


FORMS = [pytest.param(_checklist, id="checklist"), pytest.param(_bulk, id="bulk")]


def _ids(criteria) -> list[str]:
    return [str(criterion.pk) for criterion in criteria]


def test_both_forms_label_and_limit_the_fields_alike():
    checklist, bulk = ChecklistForm(), BulkActionForm(actions=["verify"])
    for name in ("criteria", "note"):
        one, other = checklist.fields[name], bulk.fields[name]
        assert (one.label, one.help_text, one.required) == (other.label, other.help_text, other.required)
    assert checklist.fields["note"].label == "Catatan"
    assert checklist.fields["note"].max_length == bulk.fields["note"].max_length == 5000
    assert list(checklist.fields["criteria"].queryset) == list(bulk.fields["criteria"].queryset)
    assert not checklist.fields["criteria"].queryset.filter(active=False).exists()


@pytest.mark.parametrize("make", FORMS)
def test_an_unmet_criterion_needs_a_note_on_either_page(make):
    criteria = list(ReadinessCriterion.objects.filter(active=True).order_by("order", "pk"))
    unmet = make({"criteria": _ids(criteria[1:])}, verify=True)
    assert not unmet.is_valid()
    assert criteria[0].name in " ".join(unmet.errors["note"])
    assert make({"criteria": _ids(criteria[1:]), "note": "Lahan menunggu SK bupati."}, verify=True).is_valid()
    assert make({"criteria": _ids(criteria)}, verify=True).is_valid()


@pytest.mark.parametrize("make", FORMS)
def test_a_return_needs_a_note_on_either_page(make):
    form = make({}, verify=False)
    assert not form.is_valid()
    assert form.errors["note"] == [RETURN_NOTE_REQUIRED]
    assert make({"note": "   "}, verify=False).errors["note"] == [RETURN_NOTE_REQUIRED]
    assert make({"note": "Lengkapi DED."}, verify=False).is_valid()


@pytest.mark.parametrize("make", FORMS)
def test_a_criterion_gone_since_the_page_was_opened_is_refused(make):
    gone = ReadinessCriterion.objects.create(name="Kriteria lama", order=99, active=False)
    form = make({"criteria": [str(gone.pk)], "note": "x"}, verify=True)
    assert form.errors["criteria"] == ["Kriteria yang dipilih tidak ada lagi; muat ulang halaman."]
