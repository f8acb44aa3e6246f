"""Benchmark: every page a role uses, under concurrent users.

    python bench/dashboard_load.py --url http://127.0.0.1:8100 [--users 50] [--rounds 4]
        [--mix every|dashboards]

With ``--mix every`` (the default) each role's mix is every page of its menu (Plan, Steer,
Measure, Forecast, Reward and Data: the links the menu shows it) and the API's lists it
may read; ``--mix dashboards`` keeps the seven dashboard pages of the first version.
A page that answers 4xx or 5xx counts as an error (and is reported).

Logs in as each of the demo's roles (director, compadmin, admin, manager, rep, marketing;
password `demo`). First, one user alone: each page of the mix (home, the KPI page for each period,
customers, deviations, statement) is loaded once to warm it, then ``--alone`` times; that is
the single-user figure of each page, in the same run. Then ``--users`` threads, spread over
the roles, each load their role's whole mix ``--rounds`` times: without a pause (a stress
test: 50 requests always in flight), or with ``--think`` seconds on average between pages
(each pause drawn between half and one and a half times that, as a person reads a page
before the next click; each user starts at a random moment within the first pause). Prints
p50 and p95 per page alone and under load, and the loaded p95 over all pages against the
goal.

Runs against a Koers served elsewhere on this machine (see docs/benchmarks.md for the
gunicorn command); sends traffic to the given URL only, and a bounded number of requests.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import random
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

ROLES = ("director", "compadmin", "admin", "manager", "rep", "marketing")
PAGES = (
    ("home", "/"),
    ("kpis month", "/measure/kpis/?period=month"),
    ("kpis quarter", "/measure/kpis/?period=quarter"),
    ("kpis ytd", "/measure/kpis/?period=ytd"),
    ("customers", "/measure/customers/"),
    ("deviations", "/measure/deviations/"),
    ("statement", "/reward/statement/"),
)
GOAL_MS = 300
# the API's lists, read with the session as a script of the user would with a token
API = (
    ("api kpis", "/api/v1/kpis"),
    ("api jobs", "/api/v1/jobs"),
    ("api rounds", "/api/v1/plan/rounds"),
    ("api signals", "/api/v1/steer/signals"),
)
ERRORS: list[tuple[str, int]] = []


class Browser:
    """One user's browser: its session cookie and one kept-alive connection, as a browser
    holds one open to the server rather than connecting again for every page."""

    def __init__(self, base: str, cookies: str) -> None:
        parts = urllib.parse.urlparse(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies = cookies
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> None:
        for attempt in (1, 2):  # the server may have closed an idle connection
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request("GET", path, headers={"Cookie": self.cookies})
                response = self.connection.getresponse()
                response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.status >= 400:  # a redirect (a salesperson's own coaching page) is fine
                ERRORS.append((path, response.status))
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return


def login(base: str, username: str) -> Browser:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "demo", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base})
    opener.open(request).read()
    return Browser(base, "; ".join(f"{c.name}={c.value}" for c in jar))


def menu_pages(base: str, browser: Browser) -> list[tuple[str, str]]:
    """Every page the role's menu links to (read from its home page), then the API."""
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=60)
    connection.request("GET", "/", headers={"Cookie": browser.cookies})
    response = connection.getresponse()
    page = response.read().decode()
    home = response.getheader("Location") or ""
    if response.status in (301, 302) and home.startswith("/"):  # a home that is a page
        connection.request("GET", home, headers={"Cookie": browser.cookies})
        page = connection.getresponse().read().decode()
    connection.close()
    nav = page[page.find('class="mainnav"') :]
    nav = nav[: nav.find("</nav>")]
    links = dict.fromkeys(
        href
        for href in re.findall(r'href="(/[^"#?]*)"', nav)
        if not href.startswith(("/admin/", "/logout", "/static/"))
    )
    return [("home", "/"), *((path, path) for path in links if path != "/"), *API]


def timed(browser: Browser, path: str) -> float:
    started = time.perf_counter()
    browser.get(path)
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8100")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--alone", type=int, default=5)
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds a user reads a page (0: none)"
    )
    parser.add_argument("--mix", choices=("every", "dashboards"), default="every")
    args = parser.parse_args()
    if urllib.parse.urlparse(args.url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit("This benchmark only loads a Koers on this machine.")

    alone: dict[str, list[float]] = defaultdict(list)
    first: dict[str, list[float]] = defaultdict(list)
    mixes: dict[str, list[tuple[str, str]]] = {}
    for role in ROLES:
        opener = login(args.url, role)
        mixes[role] = menu_pages(args.url, opener) if args.mix == "every" else list(PAGES)
        for name, path in mixes[role]:
            first[name].append(timed(opener, path))  # the cold view (cache fill)
            alone[name] += [timed(opener, path) for _ in range(args.alone)]

    roles = [ROLES[i % len(ROLES)] for i in range(args.users)]
    openers = [login(args.url, role) for role in roles]
    loaded: dict[str, list[float]] = defaultdict(list)

    def user(index: int) -> list[tuple[str, float]]:
        times = []
        pauses = random.Random(index)  # the same pauses in every run
        if args.think:
            time.sleep(pauses.uniform(0, args.think))
        mix = mixes[roles[index]]
        for round_ in range(args.rounds):
            for k in range(len(mix)):  # each user starts the mix at its own page
                name, path = mix[(k + index + round_) % len(mix)]
                times.append((name, timed(openers[index], path)))
                if args.think:
                    time.sleep(pauses.uniform(args.think / 2, args.think * 3 / 2))
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(args.users) as pool:
        for times in pool.map(user, range(args.users)):
            for name, ms in times:
                loaded[name].append(ms)
    seconds = time.perf_counter() - started

    print(
        f"{'page':<40} {'cold max':>9} {'alone p50':>10} {'alone p95':>10} "
        f"{'load p50':>9} {'load p95':>9}"
    )
    for name in sorted(loaded, key=lambda n: -percentile(loaded[n], 95)):
        print(
            f"{name[:40]:<40} {max(first[name]):>7.0f}ms {statistics.median(alone[name]):>8.0f}ms "
            f"{percentile(alone[name], 95):>8.0f}ms {statistics.median(loaded[name]):>7.0f}ms "
            f"{percentile(loaded[name], 95):>7.0f}ms"
        )
    every_alone = [t for ts in alone.values() for t in ts]
    every = [t for ts in loaded.values() for t in ts]
    p95 = percentile(every, 95)
    pause = f"pausing {args.think:g} s between pages" if args.think else "without a pause"
    print(
        f"all pages: alone p50 {statistics.median(every_alone):.0f} ms; {args.users} users "
        f"{pause}: "
        f"p50 {statistics.median(every):.0f} ms, p95 {p95:.0f} ms, p99 "
        f"{percentile(every, 99):.0f} ms, {len(every) / seconds:.1f} pages/s"
    )
    print(f"ratio p95 under load / p50 alone: {p95 / statistics.median(every_alone):.1f}")
    print(f"{len(loaded)} pages; errors: {len(ERRORS)} {sorted(set(ERRORS))[:10]}")
    met = p95 < GOAL_MS and not ERRORS
    print(f"goal p95 < {GOAL_MS} ms, 0 errors: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
