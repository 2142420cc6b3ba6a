import pytest
from django.urls import reverse

from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(pupr_kalsel):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2026, 1, 29, 9, tzinfo=ZoneInfo("Asia/Makassar"))
    return MeetingFactory(organiser=pupr_kalsel, starts_at=start, ends_at=start.replace(hour=16))


def test_an_english_browser_still_gets_indonesian_dates(client, secretary, meeting):
    client.force_login(secretary)
    response = client.get(reverse("meetings:meeting-list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "29 Januari 2026" in response.text
    assert "Jan. 29, 2026" not in response.text


def test_the_language_switch_selects_english(client, secretary, meeting):
    client.force_login(secretary)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("meetings:meeting-list"))
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    assert "January 29, 2026" in response.text or "Jan. 29, 2026" in response.text


def test_drop_downs_without_a_label_of_their_own_say_pilih(client, secretary):
    """Django 6.1's blank choice, `- Select an option -`, is not in its Indonesian catalogue: the project's
    (locale/id) gives it, on the meeting form as in the admin; the English interface keeps Django's."""
    client.force_login(secretary)
    text = client.get(reverse("meetings:meeting-create")).text
    assert '<option value="" selected>— pilih —</option>' in text
    assert "Select an option" not in text
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "- Select an option -" in client.get(reverse("meetings:meeting-create")).text


def test_in_english_the_navigation_and_the_list_headings_are_english(client, operator_banjar, banjar, pupr_banjar):
    """The application's own texts come from locale/en: the menu, the list's title, buttons and column headings."""
    from tests.factories import funded_proposal

    funded_proposal(region=banjar, agency=pupr_banjar, name="Peningkatan Jalan Martapura")
    client.force_login(operator_banjar)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("programs:proposal-list")).text
    for english in (
        "Home",
        "Proposals",
        "Meetings",
        "Sign out",
        "Planning year",
        "Proposals FY 2027",
        "Number",
        "Regency/city",
        "Agency",
        "Amount",
        "Download Excel",
        "New proposal",
    ):
        assert f">{english}<" in text or f"> {english}<" in text or f">+ {english}<" in text, english
    for indonesian in (">Beranda<", ">Keluar<", ">Nomor<", ">Perangkat daerah<", "Usulan TA 2027"):
        assert indonesian not in text
    # The user's data stays as it was typed.
    assert "Peningkatan Jalan Martapura" in text
    home = client.get(reverse("home")).text
    assert "Open meetings" in home or "Proposals FY 2027 by status" in home


def test_indonesian_stays_the_default(client, operator_banjar):
    client.force_login(operator_banjar)
    text = client.get(reverse("programs:proposal-list"), HTTP_ACCEPT_LANGUAGE="id").text
    assert ">Beranda<" in text and "Usulan TA 2027" in text and ">Nomor<" in text
    assert ">Home<" not in text


def test_in_english_the_proposal_form_and_page_speak_english(client, operator_banjar, banjar, pupr_banjar):
    from tests.factories import funded_proposal

    proposal = funded_proposal(region=banjar, agency=pupr_banjar, name="Peningkatan Jalan Martapura")
    client.force_login(operator_banjar)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    form = client.get(reverse("programs:proposal-update", args=[proposal.pk])).text
    assert f"Edit proposal {proposal.number}" in form
    assert "Region and proposer" in form and ">Save as draft<" in form
    assert "Simpan sebagai draf" not in form
    page = client.get(proposal.get_absolute_url()).text
    assert ">Proposal details<" in page and ">Coordinates<" in page
    assert ">Rincian usulan<" not in page
