import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from meetings.models import Meeting
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("meetings:meeting-list")


@pytest.mark.parametrize("persona", ["secretary", "planner", "verifier", "viewer", "operator_banjar", "superuser"])
def test_everyone_with_a_role_sees_the_provinces_meetings(client, request, meeting, kalteng_meeting, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert meeting.title in response.text
    assert (kalteng_meeting.title in response.text) == (persona == "superuser")


def test_only_the_secretariat_gets_the_new_meeting_button(client, secretary, viewer):
    client.force_login(secretary)
    assert reverse("meetings:meeting-create") in client.get(URL).text
    client.force_login(viewer)
    assert reverse("meetings:meeting-create") not in client.get(URL).text


def test_filter_by_year_and_kind(client, secretary, meeting, pupr_kalsel):
    MeetingFactory(title="Forum PD TA 2028", organiser=pupr_kalsel, fiscal_year=2028, kind=Meeting.Kind.FORUM_PD)
    client.force_login(secretary)
    response = client.get(URL, {"tahun": "2028"})
    assert "Forum PD TA 2028" in response.text
    assert meeting.title not in response.text
    response = client.get(URL, {"jenis": Meeting.Kind.RAKORNIS})
    assert "Forum PD TA 2028" not in response.text
    assert meeting.title in response.text
    assert '<option value="rakornis" selected>Rakornis</option>' in response.text  # the filter shows what it filters


def test_user_without_role_sees_nothing(client, meeting):
    client.force_login(UserFactory())
    assert meeting.title not in client.get(URL).text


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_wrong_method_is_405(client, secretary):
    client.force_login(secretary)
    assert client.post(URL).status_code == 405


def test_the_list_shows_the_planning_years_meetings_and_every_year_on_request(client, secretary, meeting, pupr_kalsel):
    MeetingFactory(title="Forum PD TA 2028", organiser=pupr_kalsel, fiscal_year=2028)
    client.force_login(secretary)
    response = client.get(URL)
    assert "Rapat koordinasi TA 2027</h1>" in response.text
    assert meeting.title in response.text
    assert "Forum PD TA 2028" not in response.text
    response = client.get(URL, {"tahun": ""})
    assert "Rapat koordinasi semua tahun anggaran</h1>" in response.text
    assert meeting.title in response.text and "Forum PD TA 2028" in response.text
    client.post(reverse("fiscal-year-switch"), {"year": "2028"})
    response = client.get(URL)
    assert "Forum PD TA 2028" in response.text
    assert meeting.title not in response.text


@pytest.mark.parametrize("garbage", ["dua ribu", "1999", "２０２８"])
def test_a_garbage_year_shows_the_planning_year(client, secretary, meeting, garbage):
    client.force_login(secretary)
    response = client.get(URL, {"tahun": garbage})
    assert response.status_code == 200
    assert "Rapat koordinasi TA 2027</h1>" in response.text
    assert meeting.title in response.text


def test_a_year_without_meetings_says_so_and_links_every_year(client, secretary, meeting):
    client.force_login(secretary)
    client.post(reverse("fiscal-year-switch"), {"year": "2030"})
    response = client.get(URL)
    assert "Belum ada rapat untuk TA 2030" in response.text
    assert 'href="?tahun="' in response.text


def page_links(response) -> dict[str, dict[str, list[str]]]:
    """The query of each pagination link, as the browser reads it (HTML unescaped, then URL-decoded)."""
    found = re.findall(r'<a class="page-link" href="([^"]*)">([^<]*)</a>', response.text)
    return {label: parse_qs(urlsplit(html.unescape(href)).query, keep_blank_values=True) for href, label in found}


def test_the_pages_keep_the_filters_and_a_value_with_an_ampersand_stays_one_value(client, secretary, pupr_kalsel):
    MeetingFactory.create_batch(30, organiser=pupr_kalsel, fiscal_year=2028, kind=Meeting.Kind.RAKORTEK)
    MeetingFactory(organiser=pupr_kalsel, fiscal_year=2027, kind=Meeting.Kind.RAKORTEK)
    client.force_login(secretary)
    # Typed or pasted into the address: before, `&tahun=2027` in the kind became a second year in the page links.
    response = client.get(URL, {"tahun": "2028", "jenis": "rakortek&tahun=2027"})
    links = page_links(response)
    assert links["Berikutnya"] == {"page": ["2"], "tahun": ["2028"], "jenis": ["rakortek&tahun=2027"]}
    second = client.get(URL, links["Berikutnya"])
    assert "Halaman 2 dari 2" in second.text
    assert "Rapat koordinasi TA 2028</h1>" in second.text
    assert page_links(second)["Sebelumnya"] == {"page": ["1"], "tahun": ["2028"], "jenis": ["rakortek&tahun=2027"]}


def test_the_pages_of_every_years_list_stay_on_every_year(client, secretary, pupr_kalsel):
    MeetingFactory.create_batch(20, organiser=pupr_kalsel, fiscal_year=2028)
    MeetingFactory.create_batch(10, organiser=pupr_kalsel, fiscal_year=2027)
    client.force_login(secretary)
    links = page_links(client.get(URL, {"tahun": "", "jenis": Meeting.Kind.RAKORNIS}))
    assert links["Berikutnya"] == {"page": ["2"], "tahun": [""], "jenis": [Meeting.Kind.RAKORNIS]}
