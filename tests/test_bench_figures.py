"""The figures the web and load benches print (bench/http_load.py): pure functions, no server, nothing timed."""

import importlib
import math

import pytest

# Imported by name: bench/ holds scripts (run as `python bench/web_bench.py`), not a package of the application.
http_load = importlib.import_module("bench.http_load")
Sample = http_load.Sample


def test_percentile_is_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert http_load.percentile(values, 0.5) == 3.0
    assert http_load.percentile(values, 0.99) == 5.0
    assert http_load.percentile(values, 0.2) == 1.0
    assert http_load.percentile(list(range(1, 201)), 0.99) == 198


def test_percentile_of_nothing_is_nan_and_a_bad_fraction_is_refused():
    assert math.isnan(http_load.percentile([], 0.5))
    with pytest.raises(ValueError):
        http_load.percentile([1.0], 0)
    with pytest.raises(ValueError):
        http_load.percentile([1.0], 1.5)


def test_summary_leaves_failed_requests_out_of_the_latencies_and_the_rate():
    samples = [
        Sample(0.010, 200, 2048, 7),
        Sample(0.030, 200, 4096, 7),
        Sample(0.020, 200, 2048, 9),
        Sample(5.000, 500, 10, None, "HTTP 500"),
    ]
    summary = http_load.summarise(samples, wall_seconds=2.0)
    assert summary.requests == 4
    assert summary.errors == 1
    assert summary.p50_ms == pytest.approx(20.0)
    assert summary.p99_ms == pytest.approx(30.0)
    assert summary.rate == pytest.approx(1.5)
    assert summary.queries == "7-9"
    assert summary.kbytes == pytest.approx(2.0)
    assert summary.error_rate == pytest.approx(0.25)


def test_summary_of_constant_queries_names_one_number():
    summary = http_load.summarise([Sample(0.01, 200, 1, 12), Sample(0.02, 200, 1, 12)], wall_seconds=1.0)
    assert summary.queries == "12"


def test_ratio_to_the_minimal_page():
    assert http_load.ratio(30.0, 120.0) == pytest.approx(0.25)
    assert math.isnan(http_load.ratio(30.0, 0.0))


def test_markdown_table_formats_numbers_and_escapes_pipes():
    table = http_load.markdown_table(
        ["page", "req/s", "ratio"], [["a|b", 123.456, 0.0123], ["c", float("nan"), 4], ["d", 0.5, 0.26]]
    )
    assert table.splitlines() == [
        "| page | req/s | ratio |",
        "|---|---|---|",
        "| a\\|b | 123.5 | 0.012 |",
        "| c | - | 4 |",
        # A ratio just under a 0.3 target is not rounded up to it.
        "| d | 0.50 | 0.26 |",
    ]


def test_hidden_inputs_read_the_tokens_of_a_form():
    page = """<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="abc&amp;1">
    <input type="text" name="username" value="x"><INPUT name="token" value="t-9" type="hidden"></form>"""
    assert http_load.hidden_inputs(page) == {"csrfmiddlewaretoken": "abc&1", "token": "t-9"}


def test_drive_stops_at_the_request_bound():
    calls = []

    def request(index):
        calls.append(index)
        return Sample(0.0, 200, 0)

    samples, _ = http_load.drive(request, concurrency=3, seconds=60, max_requests=10)
    assert len(samples) == len(calls) == 10
    assert set(calls) <= {0, 1, 2}
