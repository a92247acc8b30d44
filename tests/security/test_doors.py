"""The role × door table (issue 16): what each role may see of one 分水镇 person, through every door.

The person (the `victim` of `conftest`: a 分水镇 worker in manufacturing, with a household, a job, an
import batch, a subsidy application with an attachment and assistance records) is looked for in every
response of every role, downloads included (the text inside .xlsx files is read). What a response shows
of the person is one of

* ``FULL``   – the full ID number or phone may appear;
* ``MASKED`` – the name and the masked ID (``500101********123X``) may appear, never the full ID or phone;
* ``NONE``   – nothing of the person: no name, no ID number full or masked, no phone.

`DOORS` gives every URL pattern of the project (admin pages by model) a rule, and `RULES` says for each
rule what each role may see. A response that shows more than its cell allows fails the test; so does a URL
pattern or a role without an entry, so a new page must be placed in the table before the suite passes.
Every role also posts to every door, and no 分水镇 row may change unless the role may write there.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.conf import settings
from django.urls import get_resolver

from tests.security.conftest import ROLES, VICTIM_NAME, VICTIM_PHONE
from tests.security.test_crawl import NOT_CRAWLED, _other_app_ids, _patterns, _route_to_paths, _snapshot
from wanzhou_jobs import files
from workers.validators import mask_id_number, mask_phone

# Thousands of requests, each committing its own writes (sessions, audit entries): inside one test
# transaction every request would add savepoints with their own transaction ids, and past 64 of them
# PostgreSQL checks each row's visibility through pg_subtrans, so the run grew slower with every request
# (over 40 minutes on PostgreSQL). Committed for real, each request is a short transaction as in production.
pytestmark = pytest.mark.django_db(transaction=True)

FULL, MASKED, NONE = "full", "masked", "none"
_ORDER = {NONE: 0, MASKED: 1, FULL: 2}


def _rule(**cells: str) -> dict[str, str]:
    """A rule: NONE for every role but those named."""
    rule = dict.fromkeys(ROLES, NONE)
    rule.update(cells)
    return rule


RULES: dict[str, dict[str, str]] = {
    # No personal data: reference data, dashboards of counts, forms, help, the user's own account.
    "none": _rule(),
    # The audit log: masked values only, bureau staff only.
    "audit": _rule(bureau=MASKED),
    # The person's own page: full ID and phone to those who may change the person; read-only roles see
    # them masked; industry departments do not open people.
    "person": _rule(clerk_b=FULL, bureau=FULL, reviewer=MASKED),
    # Lists and history of the township's people and households (names, masked IDs).
    "people": _rule(clerk_b=MASKED, reviewer=MASKED, bureau=MASKED),
    # Jobs: also the industry department of the job's industry.
    "jobs": _rule(clerk_b=MASKED, industry_x=MASKED, reviewer=MASKED, bureau=MASKED),
    # The drill-down of counted people behind a dashboard figure, and the township dashboard.
    "drilldown": _rule(clerk_b=MASKED, industry_x=MASKED, bureau=MASKED),
    # The add form of a person (the township's households are offered by their head's name).
    "person_add": _rule(clerk_b=MASKED, bureau=MASKED),
    # Import batches: those who may write the township's ledger (issue 16, item 1).
    "batch": _rule(clerk_b=MASKED, bureau=MASKED),
    "batch_file": _rule(clerk_b=FULL, bureau=FULL),
    # The township's ledger as a return: full for those who write it, masked for read-only roles.
    "ledger_file": _rule(clerk_b=FULL, bureau=FULL, industry_x=MASKED, reviewer=MASKED),
    # Employment assistance (1131, posts, training): the township and bureau staff.
    "assistance": _rule(clerk_b=MASKED, bureau=MASKED),
    # The assistance feeds of the API (issue 26): clients district-wide, staff sessions of the township and the
    # bureau only (as the assistance pages), masked unless the client holds the unmasked permission.
    "api_assistance": _rule(clerk_b=MASKED, bureau=MASKED, api_masked=MASKED, api_unmasked=FULL),
    # The status in the monitoring system's keys (full ID numbers, it matches on them): bureau staff only.
    "monitoring_export": _rule(bureau=FULL),
    # The confirmation page of a monitoring list: bureau staff only (issue 26).
    "monitoring_confirm": _rule(bureau=MASKED),
    # Subsidy applications: the township, reviewers and bureau staff; full numbers only where edited.
    "subsidy": _rule(clerk_b=MASKED, reviewer=MASKED, bureau=MASKED),
    "subsidy_edit": _rule(clerk_b=FULL, bureau=FULL),
    # Attachments (evidence, may hold an ID card's scan) and the bank's payment list.
    "subsidy_file": _rule(clerk_b=FULL, reviewer=FULL, bureau=FULL),
    "payment_file": _rule(bureau=FULL),
    # The city-system API: staff sessions scoped and masked; clients district-wide, unmasked by permission;
    # a session that must change its password gets 403 (issue 16, item 2).
    "api": _rule(
        clerk_b=MASKED,
        industry_x=MASKED,
        reviewer=MASKED,
        bureau=MASKED,
        api_masked=MASKED,
        api_unmasked=FULL,
    ),
}

_NO_DATA = [
    "home",
    "favicon",
    "healthz",  # issue 21: health checks, no data, answered to anyone
    "readyz",
    "login",
    "password_change_done",
    "targets:dashboard",
    "targets:industry",
    "targets:briefing",
    "workers:return_upload",
    "workers:return_template",
    "workers:returns_board",
    "workers:return_confirm",
    "workers:return_retry",
    "workers:return_rollback",
    "subsidies:new",
    "subsidies:create",
    "subsidies:review",
    "subsidies:notice",
    "subsidies:summary",
    "subsidies:payment_export",
    "subsidies:totals_export",
    "subsidies:move",
    "subsidies:attachment_upload",
    "assistance:index",
    "assistance:enrol",
    "assistance:service_add",
    "assistance:recognition_add",
    "assistance:intention_add",
    "assistance:health_check_add",
    "assistance:services_import",
    "assistance:households",
    "assistance:rates",
    "assistance:post_new",
    "assistance:courses",
    "assistance:course_new",
    "assistance:course",
    "assistance:course_import",
    "assistance:participant_update",
    "assistance:events",
    "assistance:board",
    "assistance:channels",
    "targets_api:progress",
    "targets_api:townships",
    "targets_api:industries",
    "admin:index",
    "admin:login",
    "admin:jsi18n",
    "admin:app_list",
    "admin:autocomplete",
    "admin:password_change_done",
    "admin:auth_user_password_change",
]

#: URL name → rule. Admin pages of a model are matched by "admin:<app>_<model>_" in `ADMIN_DOORS`.
DOORS: dict[str, str] = {
    **dict.fromkeys(_NO_DATA, "none"),
    "targets:audit": "audit",
    "targets:township": "drilldown",
    "reporting:calendar": "none",  # states of townships' quarters, no person
    "reporting:quarter": "batch",  # findings may name the township's people; links to their records
    "reporting:notice": "none",  # the 通报 .docx: counts by township and industry, no person
    "reporting:inbox": "batch",  # the user's own notifications; a return's reason may name a person
    "targets:people": "drilldown",
    "workers:return_list": "batch",
    "workers:return_detail": "batch",
    "workers:return_status": "batch",
    "workers:return_discard": "batch",  # the batch's file name and size
    "workers:return_columns": "batch",  # the file's first values, ID numbers and phones masked
    "workers:return_errors": "batch_file",
    "workers:ledger_export": "ledger_file",
    "subsidies:list": "subsidy",
    "subsidies:detail": "subsidy",
    "subsidies:attachment": "subsidy_file",
    "subsidies:payment_export": "payment_file",
    "assistance:pension": "assistance",
    "assistance:pension_agency": "payment_file",
    "assistance:households": "assistance",
    "subsidies:attachment_delete": "subsidy",
    "subsidies:edit": "subsidy_edit",
    "assistance:worklist": "assistance",
    "assistance:people": "assistance",
    "assistance:person": "assistance",
    "assistance:enrolment_exit": "assistance",
    "assistance:service_delete": "assistance",
    "assistance:recognition_end": "assistance",
    "assistance:follow_up": "assistance",
    "assistance:follow_up_add": "assistance",
    "assistance:posts": "assistance",
    # Monitoring list (issue 26): the list of lists and the comparison table are counts; the confirmation page
    # names the people to exit (bureau staff); the drill-downs are the township's people, masked.
    "monitoring:index": "none",
    "monitoring_api:enrolments": "api_assistance",
    "monitoring_api:employment_status": "api_assistance",
    "monitoring_api:household_coverage": "api_assistance",
    "monitoring_api:routine_status": "api_assistance",
    "monitoring:upload": "none",
    "monitoring:report": "none",
    "monitoring:confirm": "monitoring_confirm",
    "monitoring:status_export": "monitoring_export",
    **{
        f"monitoring:gap_{gap}": "assistance"
        for gap in ("no_job", "ended_recently", "outside", "households", "unknown_working")
    },
    "assistance:post_end": "assistance",
    "workers_api:employments": "api",
    "workers_api:employments-ndjson": "api",
    "workers_api:employments-csv": "api",
    "workers_api:workers": "api",
    None: "people",  # the admin's catch-all, filled with the person's ids
    "admin:autocomplete": "people",  # answers from the scoped list of the model asked for
}
ADMIN_DOORS: dict[str, str] = {
    "admin:workers_worker_change": "person",
    "admin:workers_worker_add": "person_add",
    "admin:workers_worker_": "people",
    "admin:workers_household_": "people",
    "admin:workers_employment_": "jobs",
    "admin:workers_employer_": "jobs",
    "admin:workers_importbatch_": "batch",
    "admin:assistance_": "assistance",
    "admin:subsidies_application_": "subsidy",
    "admin:auditlog_logentry_": "audit",
    **dict.fromkeys(
        (
            "admin:subsidies_subsidykind_",
            "admin:targets_",
            "admin:auth_",
            "admin:axes_",
        ),
        "none",
    ),
}

#: Who may change the person's rows: their POSTs are not checked for writes.
WRITERS = {"clerk_b", "bureau"}


POST_DATA = {
    "post": "yes",
    "confirm": "1",
    "reason": "门禁测试",
    "name": "改名",
    "action": "delete_selected",
    "status": "approved",
}


def _response_text(response) -> str:
    """The text a person would read in the response: a page, a CSV, or every part of an .xlsx/.zip."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


def _shown(text: str, worker, query: str) -> str:
    for echoed in re.findall(r"=([^&]+)", query):
        for echo in (f'value="{echoed}"', f"={echoed}", f"%3D{echoed}"):
            text = text.replace(echo, "=")
    if worker.id_number in text or VICTIM_PHONE in text:
        return FULL
    if VICTIM_NAME in text or mask_id_number(worker.id_number) in text or mask_phone(VICTIM_PHONE) in text:
        return MASKED
    return NONE


def _door_of(name: str | None) -> str | None:
    if name in DOORS:
        return DOORS[name]
    if name.startswith("admin:"):
        for prefix, rule in ADMIN_DOORS.items():
            if name.startswith(prefix):
                return rule
    return None


def _autocomplete_queries() -> list[str]:
    """The admin autocomplete asked, for every autocomplete field of every model admin (and for the ones a
    crafted request may name), for the person's name."""
    from django.contrib import admin

    fields = {("workers", "employment", "worker"), ("workers", "employment", "employer")}
    for model, model_admin in admin.site._registry.items():
        for field in model_admin.autocomplete_fields:
            fields.add((model._meta.app_label, model._meta.model_name, field))
        for inline in model_admin.inlines:
            for field in inline.autocomplete_fields:
                fields.add((inline.model._meta.app_label, inline.model._meta.model_name, field))
    return [
        f"?term={VICTIM_NAME}&app_label={app}&model_name={model}&field_name={field}"
        for app, model, field in sorted(fields)
    ]


def _requests(victim, township_b):
    """(url name, path, query) of every door, filled with the victim's ids."""
    worker = victim["worker"]
    ids = {victim[k].pk for k in victim} | _other_app_ids(township_b, worker)
    values = {"int": sorted(ids), "str": sorted({str(i) for i in ids} | {township_b.code})}
    for route, name in _patterns(get_resolver()):
        if name in NOT_CRAWLED or route.startswith(settings.STATIC_URL.lstrip("/")):
            continue
        paths = _route_to_paths(route, values) or ["/" + route.lstrip("/")]
        queries = ["", f"?q={VICTIM_NAME}"]
        if "<" not in route:
            queries.append(f"?township={township_b.code}")
        if name in files.BY_URL_NAME and files.BY_URL_NAME[name].query:
            queries.append(files.BY_URL_NAME[name].query)
        if name == "admin:autocomplete":
            queries += _autocomplete_queries()
        if name and name.endswith("_changelist"):
            queries.append("?_popup=1&_to_field=id")  # the related-lookup popup of a raw-id field
        for path in paths:
            for query in queries:
                yield name, path, query


def test_every_role_and_door_has_a_rule():
    names = {name for _route, name in _patterns(get_resolver())} - set(NOT_CRAWLED)
    missing = sorted(str(name) for name in names if _door_of(name) is None)
    assert not missing, f"URL patterns without a rule in the role × door table: {missing}"
    for rule, cells in RULES.items():
        assert set(cells) == set(ROLES), f"rule {rule} lacks a role: {set(ROLES) - set(cells)}"


def test_no_role_sees_more_than_its_cell(roles, victim, township_b):
    worker = victim["worker"]
    too_much, requested, unlisted = [], 0, set()
    for name, path, query in _requests(victim, township_b):
        rule = RULES[_door_of(name)]
        for role, client in roles.items():
            response = client.get(path + query)
            requested += 1
            assert response.status_code < 500, (role, path + query, response.status_code)
            shown = _shown(_response_text(response), worker, query)
            if _ORDER[shown] > _ORDER[rule[role]]:
                too_much.append((role, name, path + query, response.status_code, shown, rule[role]))
            if (
                response.get("Content-Disposition", "").startswith("attachment")
                and name not in files.BY_URL_NAME
            ):
                unlisted.add(name)
    assert not too_much, f"responses showing more of the 分水镇 person than the table allows: {too_much[:20]}"
    assert not unlisted, f"downloads missing from wanzhou_jobs.files: {sorted(map(str, unlisted))}"
    assert requested > 2000  # the table really ran over every door for every role


#: `wanzhou_jobs.files` roles → the table's roles for the 分水镇 person.
_FILE_ROLES = {
    "clerk": "clerk_b",
    "bureau": "bureau",
    "industry": "industry_x",
    "reviewer": "reviewer",
    "api": "api_masked",
    "api_unmasked": "api_unmasked",
}


def test_the_list_of_files_and_the_table_agree():
    """Each file of `wanzhou_jobs.files` is a door of the table whose cells say what the list says, so the
    crawl above holds every file to its entry."""
    for entry in files.FILES:
        rule = RULES[_door_of(entry.url_name)]
        expected = dict.fromkeys(ROLES, NONE)
        for role, level in entry.roles.items():
            expected[_FILE_ROLES[role]] = NONE if level == files.NO_PEOPLE else level
        assert rule == expected, (entry.url_name, rule, expected)


def test_no_role_changes_what_it_may_not_write(roles, victim, township_b):
    """Every role but the township's writers posts to every door; no 分水镇 row may change."""
    before = _snapshot(township_b)
    writes = []
    paths = sorted({path for _name, path, _query in _requests(victim, township_b)})
    for role, client in roles.items():
        if role in WRITERS:
            continue
        for path in paths:
            client.post(path, POST_DATA | {"_selected_action": [victim["worker"].pk]})
        after = _snapshot(township_b)
        if after != before:
            writes.append(role)
            before = after
    assert not writes, f"roles whose posts changed 分水镇 data: {writes}"
