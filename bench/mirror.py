"""A stand-alone mirror of Wanzhou's ledger, as the city system would build one (issue 6, DESIGN.md §6).

Uses nothing but `requests`, the Python standard library and the published contract (the OpenAPI schema at
/api/schema/): it does not import the project. Run it again and again; each run

1. reads the schema and checks that the operations and record fields it relies on are published;
2. syncs `/api/v1/workers/` and `/api/v1/employments/` incrementally: it resumes from the cursor stored in
   the mirror, upserts every record by id, deletes on a tombstone, and stores each page together with the
   cursor after it in one SQLite transaction (a run that dies half-way resumes where it stopped);
3. syncs the assistance feeds the same way (issue 26): `/api/v1/enrolments/`, `/api/v1/employment-status/`,
   `/api/v1/household-coverage/` and `/api/v1/routine-status/` for each `--year` (default: this year), each
   with its own stored cursor (the 1131 status one per year); a record that changed comes again and
   replaces its copy by id;
4. verifies the mirror against `/api/v1/progress/` for each plan year: the district count, the returnee
   count, the cumulative count and distinct people, and the count of every township and industry, computed
   from the mirror by the counting rules of DESIGN.md §4 (rules 4.3–4.5).

Usage:

    export WANZHOU_API_TOKEN=wzj_…        # or --token-file FILE; never on the command line (ps shows it)
    python bench/mirror.py --url https://jobs.example --db mirror.sqlite3 [--json mirror.json]
        [--page-size 5000] [--year 2025 --year 2026] [--no-verify]

Exit status: 0 synced (and verified), 1 the counts disagree, 2 the server or the contract failed us.
"""

import argparse
import json
import os
import sqlite3
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import requests

USER_AGENT = "wanzhou-mirror/1.0 (+bench/mirror.py)"
FEEDS = {"workers": "workers_list", "employments": "employments_list"}
# The assistance feeds (issue 26): records only, no tombstones; the 1131 status is kept per year.
ASSISTANCE_FEEDS = {
    "enrolments": "enrolments_list",
    "employment_status": "employment_status_list",
    "household_coverage": "household_coverage_list",
    "routine_status": "routine_status_list",
}
YEARLY = {"routine_status"}
PROGRESS_OPERATION = "progress_retrieve"
TOWNSHIPS_OPERATION = "townships_list"
# What the mirror reads from each record; the schema must publish at least these.
NEEDED = {
    "workers": {"id", "township_code", "updated_at"},
    "employments": {"id", "worker_id", "industry_code", "workplace", "start_date", "returnee", "updated_at"},
}
TOMBSTONE_FIELDS = {"id", "deleted", "deleted_at"}
IN_DISTRICT = "in_district"
RETRIES = 6


class ContractError(RuntimeError):
    """The server does not publish or honour what the mirror relies on."""


# --- HTTP ------------------------------------------------------------------------------------------------


class Api:
    def __init__(self, base_url: str, token: str, timeout: float = 120.0):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Token {token}", "Accept": "application/json", "User-Agent": USER_AGENT}
        )
        self.requests = 0

    def get(self, path: str, params: dict | None = None, *, accept: str | None = None, personal=True) -> dict:
        """GET → JSON; waits out 429 (Retry-After) and retries 5xx and broken connections with back-off."""
        url = path if path.startswith("http") else self.base + path
        headers = {"Accept": accept} if accept else None
        for attempt in range(RETRIES):
            try:
                response = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == RETRIES - 1:
                    raise ContractError(f"GET {url}: {exc}") from exc
                time.sleep(min(2**attempt, 30))
                continue
            self.requests += 1
            if response.status_code == 429:
                time.sleep(min(float(response.headers.get("Retry-After") or 5), 300))
                continue
            if response.status_code >= 500 and attempt < RETRIES - 1:
                time.sleep(min(2**attempt, 30))
                continue
            if response.status_code != 200:
                raise ContractError(
                    f"GET {url} {params or ''} → {response.status_code}: {response.text[:300]}"
                )
            if personal and "no-store" not in response.headers.get("Cache-Control", ""):
                raise ContractError(f"GET {url}: personal data served without Cache-Control: no-store")
            return response.json()
        raise ContractError(f"GET {url}: still throttled after {RETRIES} attempts")


# --- The published contract ------------------------------------------------------------------------------


class Contract:
    """Paths and record fields taken from the OpenAPI schema, not hard-coded."""

    def __init__(self, schema: dict):
        self.schema = schema
        self.paths: dict[str, str] = {}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                if isinstance(operation, dict) and operation.get("operationId"):
                    self.paths[operation["operationId"]] = path
        missing = [
            op
            for op in (*FEEDS.values(), *ASSISTANCE_FEEDS.values(), PROGRESS_OPERATION, TOWNSHIPS_OPERATION)
            if op not in self.paths
        ]
        if missing:
            raise ContractError(f"the schema publishes no operation {', '.join(missing)}")
        self.fields = {feed: self._record_fields(self.paths[op]) for feed, op in FEEDS.items()}
        for feed, op in ASSISTANCE_FEEDS.items():
            self.fields[feed] = self._plain_fields(self.paths[op])
        for feed, needed in {**NEEDED, **dict.fromkeys(ASSISTANCE_FEEDS, {"id", "updated_at"})}.items():
            absent = needed - self.fields[feed]
            if absent:
                raise ContractError(f"{feed} records no longer publish {', '.join(sorted(absent))}")
        parameters = {
            p["name"] for p in schema["paths"][self.paths["employments_list"]]["get"].get("parameters", [])
        }
        if not {"cursor", "page_size"} <= parameters:
            raise ContractError("the feeds no longer take cursor and page_size")

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            node = self.schema["components"]["schemas"][name]
        return node

    def _results(self, path: str) -> dict:
        content = self.schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        page = self._resolve(content["schema"])
        if not {"cursor", "has_more", "results"} <= set(page.get("properties", {})):
            raise ContractError(f"{path}: pages without cursor, has_more and results")
        return self._resolve(page["properties"]["results"]["items"])

    def _plain_fields(self, path: str) -> set[str]:
        """Fields of the records of a feed without tombstones."""
        return set(self._results(path).get("properties", {}))

    def _record_fields(self, path: str) -> set[str]:
        """Fields of the live record among the page's `results` items (the other variant is the tombstone)."""
        content = self.schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        page = self._resolve(content["schema"])
        items = self._resolve(page["properties"]["results"]["items"])
        variants = [self._resolve(v) for v in items.get("oneOf") or items.get("anyOf") or [items]]
        records = [set(v.get("properties", {})) for v in variants]
        live = [fields for fields in records if fields != TOMBSTONE_FIELDS]
        if not live or TOMBSTONE_FIELDS not in records:
            raise ContractError(f"{path}: results are not records and tombstones")
        return live[0]


# --- The mirror ------------------------------------------------------------------------------------------


SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS workers (id INTEGER PRIMARY KEY, township_code TEXT NOT NULL, updated_at TEXT,
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS employments (id INTEGER PRIMARY KEY, worker_id INTEGER NOT NULL,
    industry_code TEXT NOT NULL, workplace TEXT NOT NULL, start_date TEXT NOT NULL, returnee INTEGER NOT NULL,
    updated_at TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS employments_counting ON employments (workplace, start_date, worker_id, id);
CREATE TABLE IF NOT EXISTS assistance (feed TEXT NOT NULL, year INTEGER NOT NULL, id INTEGER NOT NULL,
    updated_at TEXT, record TEXT NOT NULL, PRIMARY KEY (feed, year, id));
CREATE TABLE IF NOT EXISTS sync_state (feed TEXT PRIMARY KEY, cursor TEXT, pages INTEGER NOT NULL DEFAULT 0,
    synced_at TEXT);
"""


def mirror_open(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA_SQL)
    return db


_UPSERT = {
    "workers": (
        "INSERT INTO workers (id, township_code, updated_at, record) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE "
        "SET township_code = excluded.township_code, updated_at = excluded.updated_at, record = excluded.record"
    ),
    "employments": (
        "INSERT INTO employments (id, worker_id, industry_code, workplace, start_date, returnee, updated_at, record) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET worker_id = excluded.worker_id, "
        "industry_code = excluded.industry_code, workplace = excluded.workplace, start_date = excluded.start_date, "
        "returnee = excluded.returnee, updated_at = excluded.updated_at, record = excluded.record"
    ),
}
_DELETE = {
    "workers": "DELETE FROM workers WHERE id = ?",
    "employments": "DELETE FROM employments WHERE id = ?",
}


def _row(feed: str, item: dict) -> tuple:
    record = json.dumps(item, ensure_ascii=False, sort_keys=True)
    if feed == "workers":
        return (item["id"], item["township_code"], item["updated_at"], record)
    return (
        item["id"],
        item["worker_id"],
        item["industry_code"],
        item["workplace"],
        item["start_date"],
        int(bool(item["returnee"])),
        item["updated_at"],
        record,
    )


def mirror_apply(db: sqlite3.Connection, feed: str, items: list[dict]) -> tuple[int, int]:
    """Apply one page in feed order: upsert records by id, delete on tombstones. Returns (upserts, deletes)."""
    upserts = deletes = 0
    run: list[tuple] = []
    run_is_delete = None
    for item in items + [None]:
        is_delete = None if item is None else bool(item.get("deleted"))
        if run and is_delete != run_is_delete:
            db.executemany(_DELETE[feed] if run_is_delete else _UPSERT[feed], run)
            run = []
        if item is None:
            break
        run_is_delete = is_delete
        run.append((item["id"],) if is_delete else _row(feed, item))
        deletes += is_delete
        upserts += not is_delete
    return upserts, deletes


def assistance_apply(db: sqlite3.Connection, feed: str, year: int, items: list[dict]) -> int:
    """Upsert one page of an assistance feed by (feed, year, id)."""
    db.executemany(
        "INSERT INTO assistance (feed, year, id, updated_at, record) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(feed, year, id) DO UPDATE SET updated_at = excluded.updated_at, record = excluded.record",
        [
            (feed, year, item["id"], item["updated_at"], json.dumps(item, ensure_ascii=False, sort_keys=True))
            for item in items
        ],
    )
    return len(items)


def _state_key(feed: str, year: int | None) -> str:
    return f"{feed}/{year}" if year is not None else feed


def sync_feed(
    api: Api, contract: Contract, db: sqlite3.Connection, feed: str, page_size: int, year: int | None = None
) -> dict:
    """Walk the feed from the stored cursor; each page and the cursor after it are stored atomically."""
    ledger = feed in FEEDS
    path = contract.paths[FEEDS[feed] if ledger else ASSISTANCE_FEEDS[feed]]
    key = _state_key(feed, year)
    row = db.execute("SELECT cursor FROM sync_state WHERE feed = ?", (key,)).fetchone()
    cursor = row[0] if row and row[0] else None
    stats = {"pages": 0, "upserts": 0, "deletes": 0, "resumed": cursor is not None}
    while True:
        params = {"page_size": page_size}
        if year is not None:
            params["year"] = year
        if cursor:
            params["cursor"] = cursor
        page = api.get(path, params)
        if not isinstance(page.get("results"), list) or not page.get("cursor"):
            raise ContractError(f"{path}: a page without results or cursor")
        for item in page["results"]:
            keys = set(item)
            if item.get("deleted") is True and ledger:
                if keys != TOMBSTONE_FIELDS:
                    raise ContractError(f"{path}: tombstone with fields {sorted(keys)}")
            elif not contract.fields[feed] <= keys:
                raise ContractError(
                    f"{path}: record {item.get('id')} lacks {sorted(contract.fields[feed] - keys)}"
                )
        db.execute("BEGIN IMMEDIATE")
        try:
            if ledger:
                upserts, deletes = mirror_apply(db, feed, page["results"])
            else:
                upserts, deletes = assistance_apply(db, feed, year or 0, page["results"]), 0
            db.execute(
                "INSERT INTO sync_state (feed, cursor, pages, synced_at) VALUES (?, ?, 1, datetime('now')) "
                "ON CONFLICT(feed) DO UPDATE SET cursor = excluded.cursor, pages = pages + 1, "
                "synced_at = excluded.synced_at",
                (key, page["cursor"]),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        stats["pages"] += 1
        stats["upserts"] += upserts
        stats["deletes"] += deletes
        cursor = page["cursor"]
        if not page.get("has_more"):
            return stats


# --- Verification against /progress/ (DESIGN.md §4.3–4.5, computed from the mirror) --------------------------


def _window(year: int, as_of: date) -> tuple[str, str]:
    end = min(date(year, 12, 31), as_of)
    return date(year, 1, 1).isoformat(), end.isoformat()


def mirror_counts(db: sqlite3.Connection, year: int, as_of: date, plan_years: list[int]) -> dict:
    """The figures of `year` as of `as_of` from the mirror: each worker once a year, in the township of
    registration (from the workers feed) and the industry of the earliest in-district job (ties: lowest id)."""
    start, end = _window(year, as_of)
    first_jobs = db.execute(
        "SELECT w.township_code, e.industry_code FROM ("
        "  SELECT worker_id, industry_code, ROW_NUMBER() OVER (PARTITION BY worker_id ORDER BY start_date, id) AS rn"
        "  FROM employments WHERE workplace = ? AND start_date >= ? AND start_date <= ?"
        ") e JOIN workers w ON w.id = e.worker_id WHERE e.rn = 1",
        (IN_DISTRICT, start, end),
    ).fetchall()
    townships: dict[str, int] = defaultdict(int)
    industries: dict[str, int] = defaultdict(int)
    for township_code, industry_code in first_jobs:
        townships[township_code] += 1
        industries[industry_code] += 1
    returnees = db.execute(
        "SELECT COUNT(DISTINCT worker_id) FROM employments WHERE returnee = 1 AND workplace = ? "
        "AND start_date >= ? AND start_date <= ?",
        (IN_DISTRICT, start, end),
    ).fetchone()[0]
    cumulative = 0
    for y in (y for y in plan_years if y <= year):
        if as_of >= date(y, 1, 1):
            cumulative += db.execute(
                "SELECT COUNT(DISTINCT worker_id) FROM employments WHERE workplace = ? AND start_date >= ? "
                "AND start_date <= ?",
                (IN_DISTRICT, *_window(y, as_of)),
            ).fetchone()[0]
    first_plan_year = min(plan_years) if plan_years else year
    distinct = db.execute(
        "SELECT COUNT(DISTINCT worker_id) FROM employments WHERE workplace = ? AND start_date >= ? "
        "AND start_date <= ?",
        (IN_DISTRICT, date(first_plan_year, 1, 1).isoformat(), end),
    ).fetchone()[0]
    return {
        "count": len(first_jobs),
        "returnee_count": returnees,
        "cumulative_count": cumulative,
        "distinct_people": distinct,
        "townships": dict(townships),
        "industries": dict(industries),
    }


def verify(api: Api, contract: Contract, db: sqlite3.Connection, years: list[int] | None) -> list[str]:
    """Differences between the mirror and /progress/ (empty when they agree), year by year."""
    reference = api.get(contract.paths[TOWNSHIPS_OPERATION])
    plan_years = sorted({t["year"] for row in reference["results"] for t in row["targets"]})
    problems = []
    orphans = db.execute(
        "SELECT COUNT(*) FROM employments e LEFT JOIN workers w ON w.id = e.worker_id WHERE w.id IS NULL"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} mirrored employments whose worker is not in the mirror")
    for year in years or plan_years:
        before = len(problems)
        progress = api.get(contract.paths[PROGRESS_OPERATION], {"year": year})
        as_of = date.fromisoformat(progress["as_of"])
        mine = mirror_counts(db, year, as_of, plan_years)
        district = progress["district"]
        for key in ("count", "returnee_count", "cumulative_count", "distinct_people"):
            if district[key] != mine[key]:
                problems.append(f"{year} district {key}: server {district[key]}, mirror {mine[key]}")
        for unit in ("townships", "industries"):
            for row in progress[unit]:
                if row["count"] != mine[unit].get(row["code"], 0):
                    problems.append(
                        f"{year} {unit[:-1]} {row['code']} {row['name']}: server {row['count']}, "
                        f"mirror {mine[unit].get(row['code'], 0)}"
                    )
            unknown = set(mine[unit]) - {row["code"] for row in progress[unit]}
            if unknown:
                problems.append(
                    f"{year} {unit}: mirror counts codes the server does not list: {sorted(unknown)}"
                )
        print(
            f"verify {year} as of {as_of} (computed {progress['computed_at']}): district {district['count']:,}, "
            f"returnees {district['returnee_count']:,}, cumulative {district['cumulative_count']:,}, "
            f"distinct {district['distinct_people']:,} — {'ok' if len(problems) == before else 'MISMATCH'}"
        )
    return problems


def export_json(db: sqlite3.Connection, path: str) -> None:
    """The mirror as one JSON document {"workers": [...], "employments": [...], "enrolments": [...], …,
    "routine_status/2026": [...]} ordered by id."""
    out = {
        feed: [json.loads(r[0]) for r in db.execute(f"SELECT record FROM {feed} ORDER BY id")]  # noqa: S608
        for feed in FEEDS
    }
    for feed, year in db.execute("SELECT DISTINCT feed, year FROM assistance ORDER BY feed, year"):
        rows = db.execute(
            "SELECT record FROM assistance WHERE feed = ? AND year = ? ORDER BY id", (feed, year)
        )
        out[_state_key(feed, year if feed in YEARLY else None)] = [json.loads(r[0]) for r in rows]
    Path(path).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


# --- Command line ----------------------------------------------------------------------------------------


def _token(args) -> str:
    if args.token_file:
        return Path(args.token_file).read_text(encoding="utf-8").strip()
    token = os.environ.get("WANZHOU_API_TOKEN", "").strip()
    if not token:
        raise SystemExit("mirror: set WANZHOU_API_TOKEN or pass --token-file")
    return token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="base URL of the Wanzhou system, e.g. https://jobs.example"
    )
    parser.add_argument("--db", required=True, help="SQLite file of the mirror (created if missing)")
    parser.add_argument("--token-file", help="file holding the client token (else $WANZHOU_API_TOKEN)")
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--year", type=int, action="append", help="plan year to verify (default: all)")
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--json", help="also write the mirror as JSON to this file")
    args = parser.parse_args(argv)

    api = Api(args.url, _token(args))
    db = mirror_open(args.db)
    started = time.perf_counter()
    try:
        contract = Contract(
            api.get(
                "/api/schema/", {"format": "json"}, accept="application/vnd.oai.openapi+json", personal=False
            )
        )
        # Workers before and after employments: a person registered while the employments are walked is in
        # the mirror by the end, so every mirrored employment has its worker.
        for feed in (*FEEDS, "workers"):
            stats = sync_feed(api, contract, db, feed, args.page_size)
            total = db.execute(f"SELECT COUNT(*) FROM {feed}").fetchone()[0]  # noqa: S608
            print(
                f"{feed}: {'resumed' if stats['resumed'] else 'full sync'}, {stats['pages']} pages, "
                f"{stats['upserts']:,} upserted, {stats['deletes']:,} tombstones applied; {total:,} in the mirror"
            )
        for feed in ASSISTANCE_FEEDS:
            for year in (args.year or [date.today().year]) if feed in YEARLY else [None]:
                stats = sync_feed(api, contract, db, feed, args.page_size, year)
                print(
                    f"{_state_key(feed, year)}: {'resumed' if stats['resumed'] else 'full sync'}, "
                    f"{stats['pages']} pages, {stats['upserts']:,} upserted"
                )
        if args.json:
            export_json(db, args.json)
        problems = [] if args.no_verify else verify(api, contract, db, args.year)
    except ContractError as exc:
        print(f"mirror: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"{api.requests} requests in {time.perf_counter() - started:.1f} s")
    if problems:
        print("mirror and server disagree:\n  " + "\n  ".join(problems[:50]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
