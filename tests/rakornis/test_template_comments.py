"""Django's `{# ... #}` comment holds one line only: one that runs on to the next line is not a comment and is printed
on the page, as the list filter's note was above the meeting and Renja lists. Longer notes use {% comment %}."""

import re
from pathlib import Path

from rakornis._site import SITE_DIR

OPEN_WITHOUT_CLOSE = re.compile(r"\{#(?:(?!#\}).)*$")


def test_no_template_comment_runs_over_two_lines():
    templates = Path(SITE_DIR) / "templates"
    broken = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OPEN_WITHOUT_CLOSE.search(line)
    ]
    assert broken == []
