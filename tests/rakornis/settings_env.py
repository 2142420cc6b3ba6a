"""Read settings as a fresh process would under a given environment (settings are read once, at import)."""

import json
import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
# Variables the tests set or clear; whatever the shell running the suite has for them is left out.
READ_BY_TESTS = (
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "TRUSTED_PROXY_COUNT",
    "SESSION_IDLE_TIMEOUT",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "EMAIL_HOST",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
)


def environment(**env: str) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if key not in READ_BY_TESTS}
    return {**base, "DEBUG": "false", "SECRET_KEY": "tests-only-not-secret", **env}


def settings_under(names: list[str], **env: str) -> dict:
    """The values of `names` in rakornis.settings imported with `env`; {"error": message} if it refuses to load."""
    code = (
        "import json, sys\n"
        "try:\n"
        "    import rakornis.settings as s\n"
        "except Exception as exc:\n"
        "    print(json.dumps({'error': str(exc)})); sys.exit()\n"
        f"print(json.dumps({{name: getattr(s, name) for name in {names!r}}}, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=CHECKOUT, env=environment(**env), capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
