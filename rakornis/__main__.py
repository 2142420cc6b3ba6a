"""`python -m rakornis <command>` and the `rakornis-admin` script: manage.py for an installed copy.

A deployment installs the project (`pip install --no-deps .`) and has no checkout, hence no manage.py; both run
Django's management commands with the project's settings, exactly as `python manage.py <command>` does in a checkout.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakornis.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
