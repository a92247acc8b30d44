"""Every page a user opens, for every role, timed at the database's scale (issue 27).

Usage (settings from the environment as usual; PostgreSQL for figures that mean anything):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wz_bench27
    .venv/bin/python bench/generate.py --employments 100000 --truncate --allow-future --extras
    .venv/bin/python bench/pages.py [--repeat 5] [--roles bureau,clerk] [--only worker] [--save LABEL]

The list of pages is generated, so a new page is measured without being added here:

* every URL pattern of the project answering GET (its parameters filled with a row the role may see, found
  by the pattern's name in `SAMPLES`; a pattern that cannot be filled is reported as "not measured");
* every model registered in the admin: the change list, its search (`SEARCH_TERMS`), every filter, sort,
  date-hierarchy and pagination link the change list itself offers (one per set of parameters), the last
  page, the change page of the first row, and the autocomplete of every `autocomplete_fields` entry.

Each page is opened as each role — bureau, the clerk of the township with most people, the 制造业 industry
department, the reviewer — once to warm up (its query count is reported), then `--repeat` times: p50 and p95
wall-clock ms. A page is flagged when its p95 passes the goal (300 ms; exports: 1 s to the first byte) or
when it renders more than 1,000 options or table rows. The host load average is printed beside every
figure; ``--save LABEL`` appends everything printed to ``bench/results/pages-<today>-<LABEL>.txt``.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as gen  # noqa: E402  (sets Django up)
from counting import Tee, _loadavg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
GOAL_MS = 300.0
EXPORT_GOAL_MS = 1000.0
MAX_ROWS = 1000
ROLES = ("bureau", "clerk", "industry", "reviewer")
PASSWORD = "Bench-pages-2026!"

#: Patterns not measured, and why (they act on the session or are measured by another bench).
SKIPPED = {
    "logout": "ends the session",
    "admin:logout": "ends the session",
    "set_language": "POST only",
    "password_change": "acts on the user's own password",
    "password_change_done": "static",
    "login": "measured logged out is not a user's page",
    "admin:login": "measured logged out is not a user's page",
    "admin:view_on_site": "no model defines get_absolute_url",
    "favicon": "static file",
}
SKIPPED_PREFIXES = {
    "workers_api:": "bench/api.py (token clients)",
    "targets_api:": "bench/api.py (token clients)",
    "api-": "API documentation",
}
#: Names of patterns that only take POST (their GET answers 405 or redirects).
POST_ONLY = re.compile(
    r"(confirm|rollback|discard|delete|move|exit|end|update|attachment_upload|service_add|enrol|import)$"
)
EXPORT = re.compile(r"\.(xlsx|csv|ndjson)$")
SEARCH_TERMS = ("王", "王小", "张伟", "500101")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            ns = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _patterns(item, prefix + str(item.pattern), ns)
        elif isinstance(item, URLPattern):
            yield prefix + str(item.pattern), (f"{namespace}{item.name}" if item.name else None)


def _samples(role: str, clerk_township) -> dict:
    """A row per pattern name the role may see, for the patterns that take an id or a code."""
    from assistance.models import Course, Enrolment, Participation
    from subsidies.models import Application, SubsidyKind
    from targets.models import Industry
    from workers.models import ImportBatch, Worker

    def first(queryset, field="pk"):
        if role == "clerk":
            path = {
                Worker: "township",
                ImportBatch: "township",
                Application: "township",
                Enrolment: "worker__township",
                Participation: "worker__township",
            }.get(queryset.model)
            if path:
                queryset = queryset.filter(**{path: clerk_township})
        return queryset.order_by("pk").values_list(field, flat=True).first()

    enrolled = first(Enrolment.objects.filter(exit_date__isnull=True), "worker_id")
    return {
        "targets:township": {"code": clerk_township.code},
        "targets:industry": {
            "code": Industry.objects.order_by("code").values_list("code", flat=True).first()
        },
        "workers:return_detail": {"pk": first(ImportBatch.objects.all())},
        "workers:return_status": {"pk": first(ImportBatch.objects.all())},
        "workers:return_columns": {"pk": first(ImportBatch.objects.all())},
        "workers:return_errors": {"pk": first(ImportBatch.objects.all())},
        "subsidies:detail": {"pk": first(Application.objects.all())},
        "subsidies:edit": {"pk": first(Application.objects.filter(status="draft"))},
        "subsidies:create": {
            "code": SubsidyKind.objects.order_by("pk").values_list("code", flat=True).first()
        },
        "assistance:person": {"pk": enrolled},
        "assistance:course": {"pk": Course.objects.order_by("pk").values_list("pk", flat=True).first()},
    }


#: Query strings besides the bare page, for pages whose filters are links of their own.
VARIANTS = {
    "targets:people": lambda s: ["", f"?township={s['township_code']}"],
    "assistance:worklist": lambda s: ["", "?page=50"],
    "assistance:people": lambda s: ["", "?q=王"],
    "assistance:households": lambda s: [""],
    "targets:audit": lambda s: ["", f"?person={s['id_number']}", "?person=王小明"],
}


def app_pages(role: str, clerk_township, id_number: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(label, url) of every GET page of the URL patterns outside the admin; and the names not measured."""
    samples = _samples(role, clerk_township)
    extra = {"township_code": clerk_township.code, "id_number": id_number}
    pages, unmeasured = [], []
    for route, name in _patterns(get_resolver()):
        if route.startswith("manage/") or route.startswith(settings.STATIC_URL.lstrip("/")) or not name:
            continue
        if name in SKIPPED or any(name.startswith(p) for p in SKIPPED_PREFIXES) or POST_ONLY.search(name):
            continue
        kwargs = {}
        if "<" in route:
            kwargs = samples.get(name)
            if not kwargs or None in kwargs.values():
                unmeasured.append(name)
                continue
        url = reverse(name, kwargs=kwargs)
        for query in VARIANTS.get(name, lambda s: [""])(extra):
            pages.append((name + query, url + query))
    return pages, unmeasured


def _links(body: str) -> list[str]:
    """The change list's own links to itself (filters, sorts, date hierarchy, pages), one per parameter set."""
    seen, links = set(), []
    for href in re.findall(r'href="(\?[^"]*)"', body):
        query = href[1:].replace("&amp;", "&")
        keys = tuple(sorted(k for k, _ in parse_qsl(query, keep_blank_values=True)))
        if not keys or keys in seen:
            continue
        seen.add(keys)
        links.append("?" + query)
    return links


def admin_pages(client: Client) -> list[tuple[str, str]]:
    """(label, url) of every admin page a user opens, found from the registry and the pages themselves."""
    pages = [("admin:index", reverse("admin:index"))]
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda i: i[0]._meta.label):
        opts = model._meta
        base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = client.get(base, secure=True)
        if response.status_code != 200:
            continue
        label = f"admin:{opts.app_label}.{opts.model_name}"
        body = response.content.decode("utf-8", "replace")
        pages.append((label, base))
        if model_admin.search_fields:
            pages += [(f"{label} ?q={term}", f"{base}?{urlencode({'q': term})}") for term in SEARCH_TERMS]
        for link in _links(body)[:20]:
            pages.append((f"{label} {link}", base + link))
        last = re.findall(r'href="\?p=(\d+)"', body)
        if last:
            pages.append((f"{label} last page", f"{base}?p={max(map(int, last))}"))
        change = re.search(rf'href="({re.escape(base)}(\d+)/change/[^"]*)"', body)
        if change:
            pages.append((f"{label} change page", change.group(1).replace("&amp;", "&")))
        fields = list(model_admin.autocomplete_fields)
        for inline in model_admin.inlines:
            fields += [(inline.model, f) for f in inline.autocomplete_fields]
        for field in fields:
            source, name = (model, field) if isinstance(field, str) else field
            query = {"app_label": source._meta.app_label, "model_name": source._meta.model_name}
            for term in ("王", "万州"):
                params = urlencode({**query, "field_name": name, "term": term})
                pages.append(
                    (
                        f"autocomplete {source._meta.model_name}.{name} {term}",
                        f"/manage/autocomplete/?{params}",
                    )
                )
    return pages


def _count_rows(body: str) -> int:
    return max(body.count("<option"), body.count("<tr"))


def measure(client: Client, url: str, repeat: int) -> dict:
    def once():
        t0 = time.perf_counter()
        response = client.get(url, secure=True)
        if response.streaming:
            chunks = iter(response.streaming_content)
            first = next(chunks, b"")
            first_byte = (time.perf_counter() - t0) * 1000
            body = first + b"".join(chunks)
        else:
            body = response.content
            first_byte = (time.perf_counter() - t0) * 1000
        return response.status_code, first_byte, body

    with CaptureQueriesContext(connection) as ctx:
        status, first_ms, body = once()
    queries = len(ctx.captured_queries)  # a slice of the connection's log, which the next request clears
    times = [first_ms]
    # A slow page is not opened five more times: two tell the same story.
    for _ in range(repeat if first_ms < 3000 else 1):
        times.append(once()[1])
    text = body.decode("utf-8", "replace") if status == 200 else ""
    times.sort()
    return {
        "status": status,
        "queries": queries,
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "kb": len(body) / 1024,
        "rows": _count_rows(text),
    }


def _users():
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from targets.models import Township
    from targets.services import staff_user_save

    busiest = (
        Township.objects.annotate(n=Count("workers")).order_by("-n", "code").first()
        if gen.Worker.objects.exists()
        else Township.objects.order_by("code").first()
    )
    specs = {
        "bureau": {"role": "bureau"},
        "clerk": {"role": "clerk", "township": busiest.name},
        "industry": {"role": "industry", "industries": ["制造业"]},
        "reviewer": {"role": "reviewer"},
    }
    users = {}
    for role, spec in specs.items():
        staff_user_save(username=f"bench_{role}", password=PASSWORD, **spec)
        users[role] = get_user_model().objects.get(username=f"bench_{role}")
    return users, busiest


def _db_facts() -> str:
    from assistance.models import Enrolment, ServiceRecord
    from subsidies.models import Application
    from workers.models import Employment, Household, Worker

    counts = {
        "employments": Employment.objects.count(),
        "workers": Worker.objects.count(),
        "households": Household.objects.count(),
        "open enrolments": Enrolment.objects.filter(exit_date__isnull=True).count(),
        "1131 records": ServiceRecord.objects.count(),
        "subsidy applications": Application.objects.count(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auditlog_logentry")
        counts["audit entries"] = cursor.fetchone()[0]
    return ", ".join(f"{v:,} {k}" for k, v in counts.items())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Time every page for every role.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--only", default="", help="measure only pages whose label contains this text")
    parser.add_argument(
        "--save", default="", metavar="LABEL", help="append to bench/results/pages-<date>-LABEL.txt"
    )
    args = parser.parse_args(argv)
    out_file = None
    if args.save:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = f"pages-{timezone.localdate():%Y-%m-%d}-{args.save}.txt"
        out_file = (RESULTS_DIR / name).open("a", encoding="utf-8")
        sys.stdout = Tee(sys.__stdout__, out_file)
    users, township = _users()
    id_number = (
        gen.Worker.objects.filter(township=township).order_by("pk").values_list("id_number", flat=True)
    )
    id_number = id_number.first() or ""
    print(f"\n=== bench/pages.py {' '.join(argv or sys.argv[1:])}")
    print(
        f"{timezone.localtime():%Y-%m-%d %H:%M %Z}  database {connection.settings_dict['NAME']} "
        f"({connection.vendor}); load average {_loadavg()}"
    )
    print(_db_facts())
    print(
        f"clerk of {township.name}; goal p95 ≤ {GOAL_MS:.0f} ms (exports ≤ {EXPORT_GOAL_MS:.0f} ms to the first byte), "
        f"≤ {MAX_ROWS} options or rows"
    )
    flagged = []
    for role in args.roles.split(","):
        client = Client()
        client.force_login(users[role])
        pages, unmeasured = app_pages(role, township, id_number)
        pages += admin_pages(client)
        print(
            f"\n--- {role}: {len(pages)} pages; not measured (no row to fill the URL): {', '.join(unmeasured) or '—'}"
        )
        print(
            f"{'page':<70} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'KB':>7} {'rows':>5}  load"
        )
        for label, url in pages:
            if args.only and args.only not in label:
                continue
            m = measure(client, url, args.repeat)
            goal = EXPORT_GOAL_MS if EXPORT.search(url.split("?")[0]) else GOAL_MS
            flags = []
            if m["status"] >= 500:
                flags.append("ERROR")
            if m["p95"] > goal:
                flags.append("SLOW")
            if m["rows"] > MAX_ROWS:
                flags.append("ROWS")
            line = (
                f"{label[:70]:<70} {m['status']:>6} {m['p50']:>8.0f} {m['p95']:>8.0f} {m['queries']:>7} "
                f"{m['kb']:>7.0f} {m['rows']:>5}  {_loadavg().split()[0]} {' '.join(flags)}"
            )
            print(line, flush=True)
            if flags:
                flagged.append(f"{role:<9} {line}")
    print(f"\n{len(flagged)} flagged page(s):")
    for line in flagged:
        print("  " + line)
    if out_file:
        sys.stdout = sys.__stdout__
        out_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
