"""Benchmark: the manager's KPI page under 20 concurrent users.

    python bench/dashboard_load.py --url http://127.0.0.1:8100 [--users 20] [--requests 15]

Logs in as the demo's `manager` (password `demo`), measures one user alone first (the
baseline of the same run), then ``--users`` threads that each load the page
``--requests`` times. Prints p50, p95 and p99 of both and the ratio of the loaded p95 to
the single-user p50. Runs against a Koers served elsewhere on this machine (see
docs/benchmarks.md for the gunicorn command); sends traffic to the given URL only, and
a bounded number of requests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PAGE = "/measure/kpis/"


def login(base: str, username: str = "manager") -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "demo", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base})
    opener.open(request).read()
    return opener


def timed(opener: urllib.request.OpenerDirector, url: str) -> float:
    started = time.perf_counter()
    with opener.open(url) as response:
        response.read()
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8100")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    if urllib.parse.urlparse(args.url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit("This benchmark only loads a Koers on this machine.")
    url = args.url + PAGE
    opener = login(args.url)
    timed(opener, url)  # warm up
    alone = [timed(opener, url) for _ in range(20)]
    openers = [login(args.url) for _ in range(args.users)]

    def user(index: int) -> list[float]:
        return [timed(openers[index], url) for _ in range(args.requests)]

    started = time.perf_counter()
    with ThreadPoolExecutor(args.users) as pool:
        loaded = [t for times in pool.map(user, range(args.users)) for t in times]
    seconds = time.perf_counter() - started
    print(f"one user:   p50 {statistics.median(alone):.0f} ms, p95 {percentile(alone, 95):.0f} ms")
    print(
        f"{args.users} users: p50 {statistics.median(loaded):.0f} ms, "
        f"p95 {percentile(loaded, 95):.0f} ms, p99 {percentile(loaded, 99):.0f} ms, "
        f"{len(loaded) / seconds:.1f} pages/s"
    )
    print(
        f"ratio p95 under load / p50 alone: {percentile(loaded, 95) / statistics.median(alone):.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
