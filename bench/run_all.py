"""`make bench`: every benchmark in turn on PostgreSQL, figures appended to bench/results/*-<date>.txt.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzhou_bench   # will be truncated and refilled
    export REDIS_URL=redis://127.0.0.1:6379/13                             # for the save → snapshot figure
    make bench

Order: counting at 100k and 1M employments (bench/counting.py, which leaves 1M in the database), progress
on those 1M (bench/progress.py), the API on those 1M (bench/api.py), then the quarterly-return import on
a database of its own (bench/import.py), the refusal of hostile spreadsheets (bench/hostile.py), and
deadline day through HTTP on a new database of the same server (bench/deadline.py).
"""

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

STEPS = [
    ["counting.py", "--sizes", "100000,1000000", "--allow-future", "--save"],
    ["progress.py", "--save"],
    ["api.py"],
    ["import.py"],
    ["hostile.py", "--save"],
    ["deadline.py", "--save"],
]


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "make bench 需要 PostgreSQL：export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzhou_bench"
        )
        return 2
    for step in STEPS:
        script = BENCH / step[0]
        if not script.exists():
            print(f"--- {step[0]}: not present, skipped")
            continue
        print(f"--- {' '.join(step)}", flush=True)
        result = subprocess.run([sys.executable, str(script), *step[1:]], cwd=BENCH.parent)
        if result.returncode:
            print(f"{step[0]} exited with {result.returncode}")
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
