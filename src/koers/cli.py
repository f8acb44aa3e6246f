"""The `koers` console command: Django's management commands under Koers's name.

`koers demo`, `koers migrate`, `koers runserver`, `koers createsuperuser`, ...
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["koers", *sys.argv[1:]])


if __name__ == "__main__":
    main()
