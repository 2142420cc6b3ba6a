"""What each bench script does before it imports the project: the project on the path, settings from the
environment, and a SQLite file of the script's own unless DATABASE_URL is set."""

import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def setup_django(sqlite_path: str, *, empties_database: bool = False) -> None:
    """Configure and start Django. A script that `empties_database` refuses a PostgreSQL database without "bench"
    in its name, so that it cannot wipe a real one."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakornis.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("SQLITE_PATH", sqlite_path)
    elif empties_database and "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
        name = Path(sys.argv[0]).stem
        sys.exit(f"{name} empties the database it runs on: give it a PostgreSQL database with 'bench' in its name.")
    django.setup()
