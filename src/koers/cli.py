"""The `koers` console command: Django's management commands under Koers's name.

`koers demo`, `koers migrate`, `koers runserver`, `koers createsuperuser`, ...
"""

import os
import sys

# Polars allocates with jemalloc: hand memory that a step freed back to the system at once,
# so that a long command (a large import, a calculation run) keeps a small footprint between
# steps. Read once, when Polars is first loaded; a value set in the environment wins.
JEMALLOC = "dirty_decay_ms:0,muzzy_decay_ms:0"


def main() -> None:
    os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["koers", *sys.argv[1:]])


if __name__ == "__main__":
    main()
