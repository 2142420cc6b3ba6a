"""The numbering column of the attendance, the decisions and the totals by kabupaten/kota reads "No." in Indonesian
and in English. `{% translate "No" %}` took Django's own Indonesian "No" (the answer to a yes/no question): the
meeting page and the Berita Acara headed the column "Tidak"."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from meetings.models import Decision
from tests.factories import AttendanceFactory, DecisionFactory

pytestmark = pytest.mark.django_db

TIDAK_HEADER = re.compile(r"<th[^>]*>\s*Tidak\s*</th>")


@pytest.fixture
def decided(meeting, banjar_proposal, pupr_kalsel):
    AttendanceFactory(meeting=meeting, name="Ir. Ahmad Solhan", agency=pupr_kalsel, order=1)
    DecisionFactory(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED)
    return meeting


@pytest.mark.parametrize("name", ["meetings:meeting-detail", "meetings:meeting-minutes", "meetings:attendance-form"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_the_number_column_is_headed_no(client, secretary, decided, name, language):
    client.force_login(secretary)
    with translation.override(language):
        response = client.get(reverse(name, args=[decided.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = response.text
    assert not TIDAK_HEADER.search(text)
    assert re.search(r"<th[^>]*>\s*No\.\s*</th>", text)
