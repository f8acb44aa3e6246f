"""Print a PostgreSQL URL that answers, or nothing: used by `make test`.

DATABASE_URL wins when it names PostgreSQL; otherwise 127.0.0.1:5432 is tried
as the current user and as `postgres` (trust auth on development machines).
"""

from __future__ import annotations

import getpass
import os
import sys


def _answers(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


def candidates() -> list[str]:
    env = os.environ.get("DATABASE_URL", "")
    if env.startswith(("postgres://", "postgresql://")):
        return [env]
    users = dict.fromkeys([getpass.getuser(), "postgres"])
    return [f"postgresql://{user}@127.0.0.1:5432/postgres" for user in users]


def main() -> int:
    for url in candidates():
        if _answers(url):
            print(url)
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
