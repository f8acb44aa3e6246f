"""Backing up and restoring a Koers installation: the database and the kept files.

A backup is one ``.tar`` file: ``manifest.json`` (the database engine, when it was taken,
the latest migration of each app and the rows of every table), the database
(``database.dump`` from ``pg_dump --format=custom`` for PostgreSQL, ``database.sqlite3``
through SQLite's online backup for the embedded database) and the kept files
(``media/``: the original import files). Both are taken while Koers runs: PostgreSQL's
dump is one snapshot, SQLite's backup copies a consistent state.

A restore replaces the database and the kept files with the backup's, then counts the
rows of every table against the manifest: a restore that does not give back exactly what
was backed up says so and fails."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words."""


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def table_counts() -> dict[str, int]:
    """Rows per table of the database (Koers's and Django's own tables)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return latest


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client tools "
            "(Debian: postgresql-client) in the version of the server."
        ) from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _sqlite_path() -> str:
    return str(connection.settings_dict["NAME"])


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup(target: Path) -> dict[str, Any]:
    """Write a backup of the database and the kept files to ``target``; returns its
    manifest."""
    engine = _engine()
    manifest = {
        "format": FORMAT,
        "engine": engine,
        "taken_at": timezone.now().isoformat(),
        "migrations": _migrations(),
        "tables": table_counts(),
    }
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / ("database.dump" if engine == "postgresql" else "database.sqlite3")
        if engine == "postgresql":
            args, env = _pg_env()
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *args], env)
        else:
            connection.ensure_connection()
            with sqlite3.connect(dump) as copy:
                connection.connection.backup(copy)
            copy.close()
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
            archive.add(dump, arcname=dump.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, arcname="media")
        partial.replace(target)  # a backup file is whole or absent
    return manifest


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The backup holds an unexpected entry: {member.name}")
        members.append(member)
    return members


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        with tarfile.open(source, "r") as archive:
            handle = archive.extractfile("manifest.json")
            if handle is None:
                raise KeyError("manifest.json")
            return json.loads(handle.read())
    except (tarfile.TarError, KeyError, ValueError, OSError) as error:
        raise BackupError(f"{source} is not a Koers backup ({error}).") from error


def restore(source: Path) -> dict[str, Any]:
    """Replace the database and the kept files with the backup ``source``; returns the
    manifest once every table holds the rows it held when the backup was taken."""
    engine = _engine()
    manifest = read_manifest(source)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')} is not supported.")
    if manifest["engine"] != engine:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database; this installation runs on "
            f"{engine}. Restore it into a {manifest['engine']} installation."
        )
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(source, "r") as archive:
        archive.extractall(scratch, members=_safe_members(archive), filter="data")
        root = Path(scratch)
        connections.close_all()
        if engine == "postgresql":
            args, env = _pg_env()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    *args,
                    str(root / "database.dump"),
                ],
                env,
            )
        else:
            connection.ensure_connection()
            with sqlite3.connect(root / "database.sqlite3") as saved:
                saved.backup(connection.connection)
            saved.close()
        media = Path(settings.MEDIA_ROOT)
        if (root / "media").is_dir():
            if media.is_dir():
                shutil.rmtree(media)
            shutil.copytree(root / "media", media)
    found = table_counts()
    differ = {t: (n, found.get(t)) for t, n in manifest["tables"].items() if found.get(t) != n}
    if differ:
        raise BackupError(f"After the restore these tables differ from the backup: {differ}")
    return manifest


def default_name() -> str:
    return f"koers-{dt.datetime.now():%Y%m%d-%H%M%S}.tar"
