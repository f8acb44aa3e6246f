"""Kill rate per mutated module from cosmic-ray's session files, and every surviving
mutant as a one-line diff, for `docs/benchmarks.md`.

Usage: python mutation/report.py var/mutation/comp.sqlite [...]"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

SKIPPED = "SKIPPED"


def summary(path: Path) -> tuple[dict[str, int], list[str]]:
    with sqlite3.connect(path) as db:
        outcomes = dict(
            db.execute(
                "SELECT COALESCE(w.test_outcome, w.worker_outcome, 'PENDING'), COUNT(*) "
                "FROM mutation_specs m LEFT JOIN work_results w ON w.job_id = m.job_id "
                "GROUP BY 1"
            ).fetchall()
        )
        survivors = db.execute(
            "SELECT m.module_path, m.start_pos_row, m.operator_name, w.diff "
            "FROM work_results w JOIN mutation_specs m ON m.job_id = w.job_id "
            "WHERE w.test_outcome = 'SURVIVED' ORDER BY m.start_pos_row"
        ).fetchall()
    lines = []
    for module, row, operator, diff in survivors:
        changed = [
            line[1:].strip()
            for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        short = operator.removeprefix("core/")
        lines.append(f"  {Path(module).name}:{row} {short}: {' → '.join(changed)}")
    return outcomes, lines


def main(paths: list[str]) -> None:
    for name in paths:
        outcomes, survivors = summary(Path(name))
        killed = outcomes.get("KILLED", 0) + outcomes.get("INCOMPETENT", 0)
        survived = outcomes.get("SURVIVED", 0)
        run = killed + survived
        rate = 100 * killed / run if run else 0.0
        print(
            f"{Path(name).stem}: {killed} of {run} mutants killed ({rate:.1f}%); "
            f"{outcomes.get(SKIPPED, 0)} left out by the operator filter, "
            f"{outcomes.get('PENDING', 0)} not run"
        )
        print("\n".join(survivors))


if __name__ == "__main__":
    main(sys.argv[1:])
