#!/usr/bin/env python
"""Django's command-line utility for administrative tasks, in a checkout (an installed copy: `rakornis-admin`)."""

from rakornis.__main__ import main

if __name__ == "__main__":
    main()
