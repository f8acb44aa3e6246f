"""`make bench`: run every benchmark and write their tables into docs/benchmarks.md.

    python bench/run_all.py [--scale 10] [--quick] [--only facts month ...]

Each benchmark measures its figure beside a baseline from the same run (a plain SQL
aggregation, a raw ``COPY``, a per-row implementation, the classic forecasting methods,
one user alone). The demo-based ones run on a PostgreSQL database holding the demo at
``--scale`` (``koers_bench_s<scale>`` on 127.0.0.1, or BENCH_DEMO_URL), loaded first when
it is empty; that load is itself measured (time and peak memory). ``--quick`` makes the
standalone benchmarks smaller (fewer lines, series and users) for a first look.

The results replace the section between the ``make bench`` markers of docs/benchmarks.md,
with the date and the machine; the rest of the page (the history and the reasoning) stays.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
KOERS = str(Path(PY).parent / "koers")
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- make bench: start -->", "<!-- make bench: end -->"
SECRET = "bench-" + "s" * 60


def _env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT / "src"),
        "KOERS_DATA_DIR": str(Path(tempfile.gettempdir()) / "koers-bench"),
        **extra,
    }


def _run(command: list[str], env: dict[str, str], timeout: int = 7200) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout, seconds


def _database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def demo(url: str, scale: int) -> str:
    """Load the demo when the database has none; its time and peak memory."""
    _database(url)
    env = _env(url)
    _run([KOERS, "migrate", "--noinput", "-v0"], env)
    out, _ = _run(
        [
            KOERS,
            "shell",
            "-c",
            "from koers.org.models import Person; print(Person.objects.count())",
        ],
        env,
    )
    if int(out.strip().splitlines()[-1]) > 0:
        return f"The demo at scale {scale} was loaded before (not measured in this run)."
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", KOERS, "demo", "--scale", str(scale)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    _run([KOERS, "demo-logins"], env)
    return (
        f"`koers demo --scale {scale}`: **{seconds / 60:.1f} min**, peak memory "
        f"**{demo_memory(done.stderr)}** (the aim at scale 100: under 10 min and 4 GB)"
    )


def demo_memory(stderr: str) -> str:
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return f"{int(found.group(1)) / 1e6:.1f} GB" if found else "?"


def serve(url: str, port: int) -> subprocess.Popen:
    env = _env(
        url,
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        KOERS_PUBLIC_URL=f"http://127.0.0.1:{port}",
        KOERS_HTTPS="false",
        CACHE_URL="redis://127.0.0.1:6379/3",
    )
    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "koers.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "4",
            "--threads",
            "4",
            "-k",
            "gthread",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import urllib.request

    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the web server did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=[])
    options = parser.parse_args()
    url = os.environ.get(
        "BENCH_DEMO_URL",
        f"postgresql://{os.environ.get('USER', 'postgres')}@127.0.0.1:5432/"
        f"koers_bench_s{options.scale}",
    )
    quick = options.quick
    sections: list[tuple[str, str, str]] = []  # (title, command, result)

    def step(name: str, title: str, command: str, produce) -> None:  # type: ignore[no-untyped-def]
        if options.only and name not in options.only:
            return
        print(f"== {title}", flush=True)
        try:
            result = produce()
        except Exception as error:  # one benchmark failing does not stop the others
            result = f"failed: {error}"
        print(result, flush=True)
        sections.append((title, command, result))

    env = _env(url)
    step(
        "demo",
        f"The demo at scale {options.scale}",
        f"koers demo --scale {options.scale}",
        lambda: demo(url, options.scale),
    )
    step(
        "facts",
        "Refreshing the KPI facts",
        "python bench/facts_refresh.py --repeat 2",
        lambda: _run([PY, "bench/facts_refresh.py", "--repeat", "2"], env)[0],
    )
    step(
        "month",
        "A month's calculation run",
        "python bench/month_run.py --repeat 2 --workers 2,4",
        lambda: _run([PY, "bench/month_run.py", "--repeat", "2", "--workers", "2,4"], env)[0],
    )
    lines = "1000000" if quick else "10000000"
    step(
        "engine",
        "The pay engine against a per-row implementation",
        f"python bench/comp_run.py --lines {lines}",
        lambda: _run(
            [PY, "bench/comp_run.py", "--lines", lines, "--baseline-lines", "200000"], env
        )[0],
    )
    rows = "100000" if quick else "1000000"
    step(
        "import",
        "Importing order lines against a raw COPY",
        f"python bench/import_orders.py --rows {rows} --memory-rows 0",
        lambda: _run([PY, "bench/import_orders.py", "--rows", rows, "--memory-rows", "0"], env)[0],
    )
    series = ["--series", "120"] if quick else []
    step(
        "forecast",
        "Forecast accuracy against the classic methods",
        "python bench/forecast_accuracy.py --markdown " + " ".join(series),
        lambda: _run(
            [
                PY,
                "bench/forecast_accuracy.py",
                "--markdown",
                "--jobs",
                str(os.cpu_count() or 1),
                *series,
            ],
            env,
        )[0],
    )
    step(
        "upload",
        "Reading uploaded spreadsheets",
        "python bench/upload_budget.py",
        lambda: _run([PY, "bench/upload_budget.py"], env)[0],
    )

    step(
        "first",
        "The director's first view after a refresh",
        "CACHE_URL=redis://127.0.0.1:6379/5 python bench/first_view.py --repeat 2",
        lambda: _run(
            [PY, "bench/first_view.py", "--repeat", "2"],
            {**env, "CACHE_URL": env.get("CACHE_URL") or "redis://127.0.0.1:6379/5"},
        )[0],
    )

    def load() -> str:
        server = serve(url, 8100)
        try:
            users = "10" if quick else "50"
            return _run(
                [
                    PY,
                    "bench/dashboard_load.py",
                    "--url",
                    "http://127.0.0.1:8100",
                    "--users",
                    users,
                    "--rounds",
                    "2",
                    "--alone",
                    "2",
                ],
                env,
            )[0]
        finally:
            server.terminate()
            server.wait(timeout=30)

    step(
        "load",
        "Every page of every role under concurrent users",
        "python bench/dashboard_load.py --url http://127.0.0.1:8100",
        load,
    )

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    machine = f"{os.cpu_count()} cores, {memory:.0f} GiB"
    body = [
        START,
        f"## Latest `make bench` run ({dt.date.today():%d %B %Y}, scale {options.scale}"
        f"{', quick' if quick else ''}, {machine})",
        "",
        "Written by `make bench` (`bench/run_all.py`); each figure beside its baseline from "
        "the same run.",
        "",
    ]
    for title, command, result in sections:
        text = result.strip()
        block = text if text.startswith("|") else f"```\n{text}\n```"
        body += [f"### {title}", "", f"`{command}`", "", block, ""]
    body.append(END)
    page = DOC.read_text()
    new = "\n".join(body)
    if START in page:
        page = page[: page.index(START)] + new + page[page.index(END) + len(END) :]
    else:
        head, _, rest = page.partition("\n## ")
        page = f"{head}\n{new}\n\n## {rest}"
    DOC.write_text(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
