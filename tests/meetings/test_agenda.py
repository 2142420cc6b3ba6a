import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import AgendaItem
from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import (
    AgendaItemFactory,
    DecisionFactory,
    ProposalFactory,
    regency,
    sub_activity,
    verified_proposal,
)

pytestmark = pytest.mark.django_db


def _url(meeting):
    return reverse("meetings:agenda-add", args=[meeting.pk])


@pytest.fixture
def candidates(banjar, pupr_banjar, tapin, pupr_tapin, schemes, kalteng_agency):
    """Verified proposals of Banjar (roads and housing), Tapin, plus ones that must never be added."""
    housing = sub_activity("1.04.02.2.01.0001", "Rehabilitasi Rumah Tidak Layak Huni")
    return {
        "banjar_road": verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_000}),
        "banjar_house": verified_proposal(banjar, pupr_banjar, {"BKP": 500}, sub_activity=housing),
        "tapin_road": verified_proposal(tapin, pupr_tapin, {"APBD_PROV": 2_000}),
        "draft": ProposalFactory(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT),
        "next_year": verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1}, fiscal_year=2028),
        "kalteng": verified_proposal(regency("62.03", "Kabupaten Kapuas"), kalteng_agency, {"APBD_KAB": 1}),
    }


def _on_agenda(meeting):
    return set(meeting.agenda_items.values_list("proposal__pk", flat=True))


def test_add_all_verified_proposals_of_the_province_and_year(client, secretary, meeting, candidates):
    client.force_login(secretary)
    response = client.post(_url(meeting), {})
    assert response.status_code == 302
    assert _on_agenda(meeting) == {candidates[k].pk for k in ("banjar_road", "banjar_house", "tapin_road")}
    assert AuditEntry.objects.for_object(meeting).get().changes == {"agenda": [None, "+3 usulan"]}
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk]))
    assert candidates["tapin_road"].name in page.text


def test_filter_by_kabupaten(client, secretary, meeting, candidates, tapin):
    client.force_login(secretary)
    client.post(_url(meeting), {"regency": tapin.pk})
    assert _on_agenda(meeting) == {candidates["tapin_road"].pk}


def test_filter_by_program_prefix(client, secretary, meeting, candidates):
    from programs.models import Nomenclature

    client.force_login(secretary)
    client.post(_url(meeting), {"program": Nomenclature.objects.get(code="1.04.02").pk})
    assert _on_agenda(meeting) == {candidates["banjar_house"].pk}


def test_filter_by_scheme(client, secretary, meeting, candidates, schemes):
    client.force_login(secretary)
    client.post(_url(meeting), {"scheme": schemes["APBD_PROV"].pk})
    assert _on_agenda(meeting) == {candidates["tapin_road"].pk}


def test_adding_twice_and_decided_proposals_are_skipped(client, secretary, meeting, candidates):
    DecisionFactory(meeting=meeting, proposal=candidates["banjar_road"])
    AgendaItemFactory(meeting=meeting, proposal=candidates["tapin_road"])
    client.force_login(secretary)
    response = client.post(_url(meeting), {}, follow=True)
    assert "1 usulan terverifikasi ditambahkan" in response.text
    assert AgendaItem.objects.count() == 2


def test_agenda_shows_only_proposals_awaiting_a_decision(client, secretary, meeting, candidates):
    AgendaItemFactory(meeting=meeting, proposal=candidates["banjar_road"])
    AgendaItemFactory(meeting=meeting, proposal=candidates["tapin_road"])
    DecisionFactory(meeting=meeting, proposal=candidates["tapin_road"])
    client.force_login(secretary)
    response = client.get(reverse("meetings:meeting-detail", args=[meeting.pk]))
    assert response.context["agenda"].count() == 1


def test_remove_from_the_agenda(client, secretary, meeting, candidates):
    item = AgendaItemFactory(meeting=meeting, proposal=candidates["banjar_road"])
    client.force_login(secretary)
    response = client.post(reverse("meetings:agenda-remove", args=[meeting.pk, item.pk]))
    assert response.status_code == 302
    assert not AgendaItem.objects.exists()


def test_closed_meeting_refuses_agenda_changes(client, secretary, meeting, candidates):
    meeting.closed_at = timezone.now()
    meeting.save()
    client.force_login(secretary)
    response = client.post(_url(meeting), {}, follow=True)
    assert "sudah ditutup" in response.text
    assert not AgendaItem.objects.exists()


def test_meeting_of_another_province_is_404(client, secretary, kalteng_meeting, candidates):
    client.force_login(secretary)
    assert client.post(_url(kalteng_meeting), {}).status_code == 404
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_get_403(client, request, persona, meeting, candidates):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_url(meeting), {}).status_code == 403
    assert not AgendaItem.objects.exists()


def test_wrong_method_is_405(client, secretary, meeting):
    client.force_login(secretary)
    assert client.get(_url(meeting)).status_code == 405
