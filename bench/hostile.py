"""Timing of the refusal of hostile spreadsheets (THREATS.md F2-F6): how long `read_rows` takes to refuse each
file the tests build byte by byte. The tests bound the work (bytes inflated, rows read, peak memory); the
seconds live here, where a busy host makes a slow figure, not a failed suite.

Usage (settings from the environment as usual; no database is touched):

    .venv/bin/python bench/hostile.py [--repeat 5] [--save]

``--save`` appends everything printed to ``bench/results/hostile-<today>.txt``. Each file is refused once to
warm up, then ``--repeat`` times (median and max wall-clock ms), then once more under tracemalloc for the
peak Python allocation.
"""

import argparse
import io
import os
import statistics
import sys
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402, F401  (sets Django up)

from wanzhou_jobs.spreadsheets import SpreadsheetError, read_rows  # noqa: E402
from wanzhou_jobs.tests import test_spreadsheets as t  # noqa: E402  (the hostile files, byte by byte)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
MB = 1024 * 1024


def hostile_files() -> dict[str, bytes]:
    grid = t.cells(1, t.REQUIRED) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    many = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 100_003))
    return {
        "zip bomb, 300 MB declared": t.xlsx(
            None, raw={"xl/worksheets/sheet1.xml": (t.zeros_stream(300), 0, 300 * MB)}
        ),
        "zip bomb, 300 MB declared as 2,000 bytes": t.xlsx(
            None, raw={"xl/worksheets/sheet1.xml": (t.zeros_stream(300), 0, 2000)}
        ),
        "billion laughs in the shared strings": t.xlsx(
            t.worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_strings=t.BILLION_LAUGHS
        ),
        "a cell at XFD1048576": t.xlsx(t.worksheet(grid)),
        "100,001 data rows": t.xlsx(t.worksheet(t.cells(1, t.REQUIRED) + many)),
    }


def refuse(data: bytes) -> str:
    try:
        read_rows(data, required=t.REQUIRED)
    except SpreadsheetError as error:
        return error.messages[0]
    return "(accepted)"


def measure(data: bytes, repeat: int) -> tuple[list[float], int, str]:
    """Wall-clock ms of `repeat` refusals after a warm-up, then the peak Python allocation of one more
    (tracemalloc slows Python down, so it is not on while timing)."""
    refuse(data)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        refuse(data)
        times.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    message = refuse(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, peak, message


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--save", action="store_true", help="append to bench/results/hostile-<date>.txt")
    args = parser.parse_args(argv)
    out = io.StringIO()
    load = (
        " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"
    )
    out.write(
        f"hostile spreadsheets {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average {load}; "
        f"{args.repeat} runs each after one warm-up\n"
    )
    for name, data in hostile_files().items():
        times, peak, message = measure(data, args.repeat)
        out.write(
            f"{name} ({len(data):,} bytes): median {statistics.median(times):.1f} ms, max {max(times):.1f} ms, "
            f"peak {peak / MB:.1f} MB — {message}\n"
        )
    print(out.getvalue(), end="")
    if args.save:
        RESULTS_DIR.mkdir(exist_ok=True)
        with (RESULTS_DIR / f"hostile-{datetime.now():%Y-%m-%d}.txt").open("a", encoding="utf-8") as saved:
            saved.write(out.getvalue() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
