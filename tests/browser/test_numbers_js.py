"""static/js/numbers.js, which the proposal form's live total uses, reads every case of tests/test_numbers.py as the
server's parser (rakornis/numbers.py) does."""

from decimal import Decimal
from pathlib import Path

import pytest

from rakornis.numbers import NumberError, parse_amount, parse_number
from tests.test_numbers import AMOUNT_CASES, NUMBER_CASES

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "numbers.js"


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>numbers</title>")
    page.add_script_tag(content=SCRIPT.read_text())
    yield page
    context.close()


def _server(parse, text):
    try:
        value = parse(text)
    except NumberError:
        return None
    return "" if value is None else str(value)


def test_javascript_reads_numbers_as_the_server_does(page):
    texts = [text for text, _ in NUMBER_CASES]
    browser_values = page.evaluate(
        """texts => texts.map(text => {
            const value = window.RakornisNumbers.parseNumber(text);
            return value === null ? null : value === undefined ? "" : String(value);
        })""",
        texts,
    )
    for text, from_browser in zip(texts, browser_values, strict=True):
        server = _server(parse_number, text)
        expected = server if server in (None, "") else str(float(Decimal(server)))
        got = from_browser if from_browser in (None, "") else str(float(from_browser))
        assert got == expected, text


def test_javascript_reads_rupiah_as_the_server_does(page):
    texts = [text for text, _ in AMOUNT_CASES]
    browser_values = page.evaluate(
        """texts => texts.map(text => {
            const value = window.RakornisNumbers.parseRupiah(text);
            return value === null ? null : value === undefined ? "" : value.toString();
        })""",
        texts,
    )
    for text, from_browser in zip(texts, browser_values, strict=True):
        assert from_browser == _server(parse_amount, text), text
    assert page.evaluate("window.RakornisNumbers.formatRupiah(1500000000000000000n)") == "Rp 1.500.000.000.000.000.000"
