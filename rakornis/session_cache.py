"""A value a page shows on every request (the header's unread count, its planning years) kept in the session and
computed again at most every so many seconds, so that a page spends no query on it. Computed at sign-in too, whose
request saves the session anyway, so the first page after it writes nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def remember(session: Any, key: str, value: Any, *, stamp: Any = None) -> Any:
    """Keep `value` (JSON-serialisable) under `key` with the time, and `stamp` (a value it depends on)."""
    session[key] = [value, stamp, int(time.time())]
    return value


def remembered(session: Any, key: str, compute: Callable[[], Any], *, seconds: int, stamp: Any = None) -> Any:
    """The value kept under `key`, or `compute()` kept anew when it is missing, malformed, older than `seconds` or
    kept for another `stamp`."""
    kept = session.get(key)
    if isinstance(kept, list) and len(kept) == 3 and kept[1] == stamp and time.time() - kept[2] < seconds:
        return kept[0]
    return remember(session, key, compute(), stamp=stamp)
