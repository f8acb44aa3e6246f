"""Benchmark: how fast the statement's estimator answers ("what if I sell € X more?").

    python bench/estimator_latency.py --url http://127.0.0.1:8000 [--user rep] [--requests 30]

Logs in as a demo login and asks the estimator (the htmx partial of the statement) for a
different amount each time; prints p50, p95 and the slowest answer. Runs against a Koers
on this machine only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, "bench")
from dashboard_load import login, percentile, timed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="rep")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    if urllib.parse.urlparse(args.url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit("This benchmark only asks a Koers on this machine.")
    opener = login(args.url, args.user)
    opener.addheaders = [("HX-Request", "true")]
    base = args.url + "/reward/statement/?extra="
    timed(opener, base + "100")  # warm up
    times = [timed(opener, base + str(1000 + i)) for i in range(args.requests)]
    print(
        f"estimator: p50 {statistics.median(times):.0f} ms, p95 {percentile(times, 95):.0f} ms, "
        f"slowest {max(times):.0f} ms over {len(times)} answers"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
