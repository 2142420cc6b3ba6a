"""The planning year in the header: its default, the switch, and what it offers (rakornis/fiscal_year.py)."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rakornis import fiscal_year, session_cache
from tests.factories import MeetingFactory, ProposalFactory

pytestmark = pytest.mark.django_db

SWITCH = reverse("fiscal-year-switch")
REAL_TODAY = fiscal_year.today


def header_switch(response) -> str:
    """The header's planning-year drop-down, as HTML."""
    select = re.search(r'<select id="planning-year".*?</select>', response.text, re.S)
    assert select, "the header has no planning-year switch"
    return select.group(0)


def header_year(response) -> str:
    """The year selected in the header's switch, as the user reads it."""
    selected = re.findall(r'<option value="(\d+)" selected>', header_switch(response))
    assert len(selected) == 1
    return selected[0]


def header_options(response) -> list[str]:
    return re.findall(r'<option value="(\d+)"', header_switch(response))


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # 23:00 WITA on 31 December: still 2026, so the plans are for 2027.
        (datetime(2026, 12, 31, 15, 0, tzinfo=UTC), 2027),
        # 01:00 WITA on 1 January 2027 (still 31 December in UTC): the plans are for 2028.
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), 2028),
    ],
)
def test_the_default_is_next_year_in_the_projects_time_zone(monkeypatch, settings, utc, expected):
    settings.TIME_ZONE = "Asia/Makassar"
    monkeypatch.setattr(fiscal_year, "today", REAL_TODAY)  # unpinned (tests/conftest.py pins it)
    monkeypatch.setattr(timezone, "now", lambda: utc)
    assert fiscal_year.default_year() == expected


def test_a_signed_in_page_shows_the_default_year_in_the_header(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("home"))
    assert header_year(response) == str(fiscal_year.default_year())


def test_switching_keeps_the_year_and_goes_back_to_the_page_without_its_own_year(client, viewer):
    client.force_login(viewer)
    response = client.post(SWITCH, {"year": "2028", "next": "/usulan/?fiscal_year=2026&status=draft&page=3"})
    assert response.status_code == 302
    # The list's own year and page would hide the newly chosen year; the other filters stay.
    assert response["Location"] == "/usulan/?status=draft"
    assert client.session[fiscal_year.SESSION_KEY] == 2028
    assert header_year(client.get(reverse("home"))) == "2028"
    assert header_year(client.get(reverse("meetings:meeting-list"))) == "2028"


@pytest.mark.parametrize("garbage", ["dua ribu", "2027abc", "２０２７", "", "2027.0", "-2027"])
def test_a_garbage_year_gives_the_default_with_a_message(client, viewer, garbage):
    client.force_login(viewer)
    client.post(SWITCH, {"year": "2030"})
    response = client.post(SWITCH, {"year": garbage, "next": "/"}, follow=True)
    assert response.status_code == 200
    assert fiscal_year.SESSION_KEY not in client.session
    assert header_year(response) == str(fiscal_year.default_year())
    assert "Tahun anggaran harus antara 2000 dan 2100" in response.text


@pytest.mark.parametrize("year", ["1999", "2101", "9999"])
def test_a_year_out_of_range_gives_the_default(client, viewer, year):
    client.force_login(viewer)
    response = client.post(SWITCH, {"year": year, "next": "/"}, follow=True)
    assert fiscal_year.SESSION_KEY not in client.session
    assert header_year(response) == str(fiscal_year.default_year())


def test_a_year_broken_in_the_session_gives_the_default_not_an_error(client, viewer):
    client.force_login(viewer)
    session = client.session
    session[fiscal_year.SESSION_KEY] = "<script>"
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert header_year(response) == str(fiscal_year.default_year())


def test_anonymous_is_sent_to_sign_in_and_nothing_is_kept(client):
    response = client.post(SWITCH, {"year": "2028"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert fiscal_year.SESSION_KEY not in client.session


def test_the_switch_needs_the_csrf_token(viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.post(SWITCH, {"year": "2028"}).status_code == 403
    assert fiscal_year.SESSION_KEY not in client.session


def test_get_is_refused(client, viewer):
    client.force_login(viewer)
    assert client.get(SWITCH, {"year": "2028"}).status_code == 405
    assert fiscal_year.SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
    ],
)
def test_the_switch_goes_back_only_to_this_site(client, viewer, target):
    client.force_login(viewer)
    response = client.post(SWITCH, {"year": "2028", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session[fiscal_year.SESSION_KEY] == 2028


def test_the_header_offers_the_years_with_proposals_or_meetings_the_user_sees(
    client, operator_banjar, banjar, tapin, pupr_tapin, pupr_kalsel
):
    default = fiscal_year.default_year()
    ProposalFactory(region=banjar, fiscal_year=default - 2)
    ProposalFactory(region=tapin, agency=pupr_tapin, fiscal_year=default - 1)  # Tapin's: not Banjar's business
    MeetingFactory(organiser=pupr_kalsel, fiscal_year=default + 1)  # the province's meetings are in their scope
    ProposalFactory(region=banjar, fiscal_year=2099)  # a typo far from today: not offered
    client.force_login(operator_banjar)
    assert header_options(client.get(reverse("home"))) == [str(default + 1), str(default), str(default - 2)]
    # A year chosen anyway (it is in range) is offered while it is the planning year.
    client.post(SWITCH, {"year": "2099"})
    response = client.get(reverse("home"))
    assert header_year(response) == "2099"
    assert header_options(response) == ["2099", str(default + 1), str(default), str(default - 2)]


def test_the_header_asks_the_database_once(client, viewer):
    """At sign-in (which writes the session anyway), so the pages after it spend nothing on the years."""
    with CaptureQueriesContext(connection) as captured:
        client.force_login(viewer)
        response = client.get(reverse("home"))
    assert "planning-year" in response.text
    # All the EXISTS probes of the offered years are in one query.
    alias = f"p{fiscal_year.default_year() + 1}"
    probes = [query["sql"] for query in captured.captured_queries if alias in query["sql"]]
    assert len(probes) == 1


def test_the_header_years_are_probed_again_only_after_a_minute(client, operator_banjar, banjar, monkeypatch):
    """The offered years are kept in the session: a second page spends no query on them, and a proposal of a new year
    shows in the switcher once the minute has passed."""
    default = fiscal_year.default_year()
    with CaptureQueriesContext(connection) as captured:
        client.force_login(operator_banjar)
        assert str(default - 2) not in header_options(client.get(reverse("home")))
    assert [query for query in captured.captured_queries if f"p{default + 1}" in query["sql"]]
    ProposalFactory(region=banjar, fiscal_year=default - 2)
    alias = f"p{default + 1}"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert str(default - 2) not in header_options(response)
    assert not [query for query in captured.captured_queries if alias in query["sql"]]
    later = session_cache.time.time() + fiscal_year.YEAR_OPTIONS_REFRESH_SECONDS + 1
    monkeypatch.setattr(session_cache.time, "time", lambda: later)
    assert str(default - 2) in header_options(client.get(reverse("home")))
