"""The web bench's minimal page and query header (bench/minimal_site.py) exist only under the bench's settings."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import regency

pytestmark = pytest.mark.django_db

URL = "/bench/minimal/"
QUERY_COUNTER = "bench.minimal_site.QueryCountMiddleware"


@pytest.fixture
def bench_site(settings):
    """What bench/bench_settings.py changes, applied to the test settings."""
    bench_settings = importlib.import_module("bench.bench_settings")
    settings.ROOT_URLCONF = bench_settings.ROOT_URLCONF
    settings.MIDDLEWARE = [QUERY_COUNTER, *settings.MIDDLEWARE]


def regions(count: int) -> None:
    for index in range(count):
        regency(f"63.{index:02d}", f"Kabupaten {index}")


def test_production_settings_have_no_minimal_page_and_no_query_header(client, verifier):
    client.force_login(verifier)
    response = client.get(URL)
    assert response.status_code == 404
    assert "X-Queries" not in client.get("/").headers


def test_bench_settings_add_only_the_page_and_the_header():
    bench_settings = importlib.import_module("bench.bench_settings")
    production = importlib.import_module("rakornis.settings")
    assert bench_settings.ROOT_URLCONF == "bench.minimal_site"
    assert bench_settings.MIDDLEWARE == [QUERY_COUNTER, *production.MIDDLEWARE]
    assert bench_settings.DATABASES == production.DATABASES
    assert bench_settings.INSTALLED_APPS == production.INSTALLED_APPS


def test_minimal_page_lists_fifty_rows_and_counts_its_queries(bench_site, client, verifier):
    regions(60)
    client.force_login(verifier)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    assert response.text.count("<tr>") == 50
    assert verifier.username in response.text
    assert int(response["X-Queries"]) == len(queries) > 0


def test_minimal_page_costs_the_same_queries_at_5_and_at_60_rows(bench_site, client, verifier):
    client.force_login(verifier)
    client.get(URL)  # the first request after signing in may write the session
    regions(5)
    few = client.get(URL)
    regions(60)
    many = client.get(URL)
    assert few.text.count("<tr>") < many.text.count("<tr>") == 50
    assert few["X-Queries"] == many["X-Queries"]


def test_minimal_page_asks_an_anonymous_visitor_to_sign_in(bench_site, client):
    regency()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")
    assert "X-Queries" in response.headers


def test_the_application_pages_are_unchanged_under_bench_settings(bench_site, client, verifier):
    client.force_login(verifier)
    response = client.get("/usulan/")
    assert response.status_code == 200
    assert int(response["X-Queries"]) > 0
