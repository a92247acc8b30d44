"""The crawl that proves township scoping (issue 7): the clerk of 甘宁镇 requests every URL pattern of the
project, admin included, with the object ids of 分水镇 records in every position a URL takes an id, plus
list pages with query strings aimed at 分水镇; no response may contain the 分水镇 person's name, ID number
(full or masked) or phone, and no write may change a 分水镇 row.

New URL patterns are picked up automatically from the resolver. A pattern that cannot be exercised is
listed in `NOT_CRAWLED` with the reason; the test fails on a pattern it could not fill in otherwise.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from targets.models import Township
from tests.security.conftest import VICTIM_NAME, VICTIM_PHONE
from workers.models import Employment, Household, ImportBatch, Worker
from workers.tests.factories import EmploymentFactory, WorkerFactory
from workers.validators import mask_id_number, mask_phone

# Thousands of requests, each committing its own writes (sessions, audit entries): inside one test
# transaction every request would add savepoints with their own transaction ids, and past 64 of them
# PostgreSQL checks each row's visibility through pg_subtrans, so the run grew slower with every request
# (over 40 minutes on PostgreSQL). Committed for real, each request is a short transaction as in production.
pytestmark = pytest.mark.django_db(transaction=True)

# Patterns the crawl does not request, and why.
NOT_CRAWLED = {
    "logout": "ends the crawler's own session; it acts on the requesting user only",
    "set_language": "stores a language preference in the requester's own session or cookie",
    "password_change": "acts on the requesting user only (a POST would change the clerk's own password)",
    "api-docs": "static documentation page, no data",
    "api-redoc": "static documentation page, no data",
    "api-schema": "the OpenAPI schema, no data",
    "admin:logout": "ends the crawler's own session",
    "admin:password_change": "acts on the requesting user only",
    "admin:view_on_site": "redirects to get_absolute_url; no model of the ledger defines one",
}

_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(route with converters, full name) for every pattern, recursively."""
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            ns = namespace
            if item.namespace:
                ns = f"{namespace}{item.namespace}:"
            yield from _patterns(item, prefix + str(item.pattern), ns)
        elif isinstance(item, URLPattern):
            name = f"{namespace}{item.name}" if item.name else None
            yield prefix + str(item.pattern), name


def _route_to_paths(route: str, values: dict[str, list[str]]) -> list[str]:
    """Concrete paths for a route: each parameter filled with each candidate value (regex routes skipped)."""
    if "(?P" in route:
        return _regex_route_to_paths(route, values)
    paths = [route]
    for match in _PARAM.finditer(route):
        conv = match.group("conv") or "str"
        candidates = values["int"] if conv == "int" else values["str"]
        paths = [p.replace(match.group(0), str(v), 1) for p in paths for v in candidates]
    return ["/" + p.lstrip("/") for p in paths]


_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def _regex_route_to_paths(route: str, values: dict[str, list[str]]) -> list[str]:
    """Regex routes (the admin's app list and catch-all): alternatives expanded, wildcards filled with ids."""
    paths = [route.replace("^", "").replace("$", "")]
    for match in _GROUP.finditer(route):
        body = match.group("body")
        if re.fullmatch(r"[\w|]+", body):
            candidates = body.split("|")
        else:
            candidates = [f"workers/worker/{v}" for v in values["int"]]
        paths = [p.replace(match.group(0), c, 1) for p in paths for c in candidates]
    return ["/" + p.lstrip("/") for p in paths if "(?" not in p]


def _other_app_ids(township: Township, worker: Worker) -> set[int]:
    """Ids of rows in any other model that belong to 分水镇 or to the victim (subsidy applications,
    attachments, assistance records…), found through their foreign keys, so new models are covered."""
    ids: set[int] = set()
    for model in apps.get_models():
        if model._meta.app_label not in {"subsidies", "assistance", "monitoring"}:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model in (Township, Worker, Household):
                target = township if field.related_model is Township else worker
                if field.related_model is Household:
                    target = worker.household
                ids.update(model.objects.filter(**{field.name: target}).values_list("pk", flat=True)[:5])
    return ids


def _forbidden_strings(worker: Worker) -> list[str]:
    return [
        VICTIM_NAME,
        worker.id_number,
        mask_id_number(worker.id_number),
        VICTIM_PHONE,
        mask_phone(VICTIM_PHONE),
    ]


def _snapshot(township: Township) -> tuple:
    """Everything of 分水镇 that a write could change."""
    workers = list(Worker.objects.filter(township=township).order_by("pk").values())
    jobs = list(Employment.objects.filter(worker__township=township).order_by("pk").values())
    households = list(Household.objects.filter(township=township).order_by("pk").values())
    batches = list(ImportBatch.objects.filter(township=township).order_by("pk").values("pk", "status"))
    others = []
    for model in apps.get_models():
        if model._meta.app_label in {"subsidies", "assistance", "monitoring"}:
            others.append((model._meta.label, model.objects.count()))
    return workers, jobs, households, batches, others


def test_clerk_crawl_never_reaches_another_township(login, clerk_a, township_a, township_b, victim):
    worker = victim["worker"]
    own = WorkerFactory(township=township_a)  # the clerk's own data exists, so pages are not empty
    EmploymentFactory(worker=own, start_date=date(2026, 3, 1))
    ids = {victim[k].pk for k in victim} | _other_app_ids(township_b, worker)
    values = {
        "int": sorted(ids),
        "str": sorted({str(i) for i in ids} | {township_b.code}),
    }
    client = login(clerk_a)
    before = _snapshot(township_b)
    forbidden = _forbidden_strings(worker)
    queries = [
        "",
        f"?q={VICTIM_NAME}",
        f"?q={worker.id_number}",
        f"?township={township_b.code}",
        f"?township__id__exact={township_b.pk}",
        f"?worker={worker.pk}&worker__id__exact={worker.pk}",
        "?_to_field=id_number",
        f"?id_number__regex=^{worker.id_number[:6]}",
        f"?term={VICTIM_NAME}&app_label=workers&model_name=employment&field_name=worker",
    ]
    requested, leaks, writes = 0, [], []
    uncrawlable = []
    for route, name in _patterns(get_resolver()):
        if name in NOT_CRAWLED or route.startswith(settings.STATIC_URL.lstrip("/")):
            continue
        paths = _route_to_paths(route, values)
        if not paths:
            if "<" in route or "(?P" in route:
                uncrawlable.append((name, route))
                continue
            paths = ["/" + route.lstrip("/")]
        for path in paths:
            for query in queries if "<" not in route else ["", f"?q={VICTIM_NAME}"]:
                response = client.get(path + query)
                requested += 1
                body = b"".join(response.streaming_content) if response.streaming else response.content
                text = body.decode("utf-8", "replace")
                # A search box or a link repeating what was typed into the query string is not a leak.
                for echoed in re.findall(r"=([^&]+)", query):
                    for echo in (f'value="{echoed}"', f"={echoed}", f"%3D{echoed}"):
                        text = text.replace(echo, "=")
                for secret in forbidden:
                    if secret in text:
                        leaks.append((response.status_code, path + query, secret))
            response = client.post(
                path,
                {
                    "post": "yes",
                    "confirm": "1",
                    "reason": "爬虫测试",
                    "name": "改名",
                    "action": "delete_selected",
                    "_selected_action": [worker.pk],
                    "status": "approved",
                },
            )
            requested += 1
            after = _snapshot(township_b)
            if after != before:
                changed = [
                    (part, [x for x in a if x not in b][:2], [x for x in b if x not in a][:2])
                    for part, a, b in zip(
                        ("workers", "jobs", "households", "batches", "others"), before, after, strict=True
                    )
                    if a != b
                ]
                writes.append((response.status_code, path, changed))
                before = after
    assert not uncrawlable, (
        f"URL patterns the crawl cannot fill in (add to NOT_CRAWLED with a reason): {uncrawlable}"
    )
    assert not leaks, f"responses showing the 分水镇 person: {leaks[:20]}"
    assert not writes, f"writes that changed 分水镇 data: {writes[:20]}"
    assert requested > 300  # the crawl really ran over the project
    assert client.get("/").status_code in (200, 302)  # and the clerk was logged in throughout


@pytest.mark.parametrize("who", ["industry_user", "reviewer_user"])
def test_read_only_roles_cannot_write_anything(request, login, victim, township_b, who):
    """Industry departments and reviewers may read (within scope) but no ledger write succeeds."""
    client = login(request.getfixturevalue(who))
    worker = victim["worker"]
    before = _snapshot(township_b)
    admin = "/" + settings.ADMIN_URL.strip("/")
    for path in (
        f"{admin}/workers/worker/{worker.pk}/change/",
        f"{admin}/workers/worker/{worker.pk}/delete/",
        f"{admin}/workers/employment/{victim['employment'].pk}/delete/",
        f"{admin}/workers/worker/add/",
    ):
        client.post(path, {"post": "yes", "name": "改名"})
    assert _snapshot(township_b) == before


def test_user_without_assignment_sees_nothing(client, victim):
    from django.contrib.auth import get_user_model

    from conftest import login_request

    user = get_user_model().objects.create_user("nobody", password="Test-Passw0rd-2025", is_staff=True)
    client.login(request=login_request(), username=user.username, password="Test-Passw0rd-2025")
    worker = victim["worker"]
    admin = "/" + settings.ADMIN_URL.strip("/")
    for path in (
        "/",
        "/targets/dashboard/",
        f"{admin}/workers/worker/",
        "/api/v1/employments/",
        "/api/v1/workers/",
    ):
        body = client.get(path).content.decode()
        assert VICTIM_NAME not in body and worker.id_number[-4:] + "<" not in body
