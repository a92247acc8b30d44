"""The query parameters of the API as the schema publishes them (issue 16 item 7): the 400 for an unknown
parameter lists only parameters that are accepted; `page_size` outside its range is brought within it at
either end, as the schema says; `township` and `industry` carry the enum of their accepted spellings, equal
to the townships and industries of the database, and the filter accepts each of them.
"""

import json
import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command

from targets.api import api_client_create
from targets.models import Industry, Township
from targets.selectors import industry_spellings, township_spellings
from wanzhou_jobs.api import PAGE_SIZE_INVALID, QUERY_TOKEN_PARAMS, UNKNOWN_PARAMS, cursor_encode
from workers.api.filters import filters_parse
from workers.api.views import EmploymentFeedView, EmploymentNdjsonExportView
from workers.tests.factories import EmploymentFactory, WorkerFactory

# One valid value for every parameter any endpoint takes.
VALID = {
    "township": "甘宁镇",
    "industry": "02",
    "year": "2025",
    "updated_since": "2025-01-01",
    "as_of": "2025-06-30",
    "page_size": "10",
    "cursor": cursor_encode(datetime(2025, 1, 1, tzinfo=UTC), -1, 0),
}
ENDPOINTS = {
    "/api/v1/employments/": {},
    "/api/v1/workers/": {},
    "/api/v1/employments/export.ndjson": {},
    "/api/v1/employments/export.csv": {},
    "/api/v1/progress/": {"year": "2025"},
    "/api/v1/townships/": {},
    "/api/v1/industries/": {},
    "/api/v1/enrolments/": {},
    "/api/v1/employment-status/": {},
    "/api/v1/household-coverage/": {},
    "/api/v1/routine-status/": {"year": "2025"},
}


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.API_SYNC_LAG_SECONDS = 0
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(reference_data):
    return api_client_create(name="渝悦就业")[1]


def get(client, key, path, params=None, /, **more):
    return client.get(path, {**(params or {}), **more}, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory):
    out = tmp_path_factory.mktemp("schema") / "schema.json"
    with django_db_blocker.unblock():
        call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def parameter(schema, path, name) -> dict:
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)


# --- Unknown parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_400_lists_only_parameters_that_are_accepted(client, token, path):
    response = get(client, token, path, ordering="id_number", **ENDPOINTS[path])
    assert response.status_code == 400
    message = response.json()["message"]
    listed = re.fullmatch(r"不支持的查询参数：ordering。可用参数：(.+)。", message).group(1)
    names = [] if listed == "无" else listed.split("、")
    assert not set(names) & set(QUERY_TOKEN_PARAMS), message
    for name in names:
        accepted = get(client, token, path, **{**ENDPOINTS[path], name: VALID[name]})
        assert accepted.status_code == 200, (name, accepted.content[:300])


def test_the_400_names_the_parameters_of_the_endpoint(client, token):
    response = get(client, token, "/api/v1/townships/", access="x")
    assert response.json()["message"] == UNKNOWN_PARAMS.format(names="access", allowed="无")
    response = get(client, token, "/api/v1/employments/", ordering="id")
    assert response.json()["message"] == UNKNOWN_PARAMS.format(
        names="ordering", allowed="、".join(EmploymentFeedView.allowed_params)
    )
    assert EmploymentNdjsonExportView.allowed_params == ("township", "industry", "year", "updated_since")


def test_a_token_in_the_query_string_is_still_a_401(client, token):
    for name in QUERY_TOKEN_PARAMS:
        response = get(client, token, "/api/v1/townships/", {name: token})
        assert response.status_code == 401, name


# --- page_size ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "served"),
    [
        ("0", 1),
        ("-5", 1),
        ("-99999999999999999999", 1),
        ("2", 2),
        ("3", 3),
        ("4", 3),
        ("1000000", 3),
        ("9" * 5000, 3),
    ],
)
def test_page_size_outside_its_range_is_brought_within_it_at_either_end(
    client, token, township_a, settings, value, served
):
    settings.API_MAX_PAGE_SIZE = 3
    for _ in range(5):
        EmploymentFactory(worker=WorkerFactory(township=township_a))
    for path in ("/api/v1/employments/", "/api/v1/workers/"):
        response = get(client, token, path, page_size=value)
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        assert len(data["results"]) == served and data["has_more"]
        assert f"page_size={value}" in data["next"]


@pytest.mark.parametrize("value", ["lots", "1.5", "1e3", "１２", "0x10", "1_000"])
def test_page_size_that_is_no_integer_is_a_400(client, token, reference_data, settings, value):
    settings.API_MAX_PAGE_SIZE = 3
    response = get(client, token, "/api/v1/employments/", page_size=value)
    assert response.status_code == 400
    assert response.json() == {
        "message": PAGE_SIZE_INVALID.format(max=3),
        "fields": {"page_size": [PAGE_SIZE_INVALID.format(max=3)]},
    }


def test_the_schema_says_what_page_size_does(schema, settings):
    for path in ("/api/v1/employments/", "/api/v1/workers/"):
        published = parameter(schema, path, "page_size")
        # Out-of-range integers are served, so the schema must not forbid them.
        assert published["schema"] == {"type": "integer", "default": settings.API_PAGE_SIZE}
        text = published["description"]
        assert f"小于 1 按 1、大于 {settings.API_MAX_PAGE_SIZE} 按 {settings.API_MAX_PAGE_SIZE} 处理" in text
        assert "a smaller value counts as 1" in text


# --- township and industry enums ------------------------------------------------------------------------


FILTERED = (
    "/api/v1/employments/",
    "/api/v1/workers/",
    "/api/v1/employments/export.ndjson",
    "/api/v1/employments/export.csv",
)


def test_the_township_enum_is_every_spelling_of_every_township_of_the_database(schema, reference_data):
    spellings = {
        spelling
        for township in Township.objects.all()
        for spelling in township_spellings(
            code=township.code, name=township.name, former_code=township.former_code
        )
    }
    assert Township.objects.count() == 52 and Township.objects.exclude(former_code="").count() == 3
    for path in FILTERED:
        enum = parameter(schema, path, "township")["schema"]["enum"]
        assert len(enum) == len(set(enum)) == len(spellings) == 52 * 3 + 3 * 2
        assert set(enum) == spellings
        assert {"甘宁镇", "500101139", "500101139000"} <= set(enum)


def test_the_industry_enum_is_every_spelling_of_every_industry_of_the_database(schema, reference_data):
    spellings = {
        spelling
        for industry in Industry.objects.all()
        for spelling in industry_spellings(code=industry.code, name=industry.name)
    }
    for path in FILTERED:
        enum = parameter(schema, path, "industry")["schema"]["enum"]
        assert len(enum) == len(set(enum))
        assert set(enum) == spellings
        assert {"制造业", "02", "2", "建筑业", "农林牧渔业", "农、林、牧、渔业", "99", "其他行业"} <= set(
            enum
        )


def test_the_filter_accepts_every_enum_value_as_its_township_or_industry(schema, reference_data):
    townships = {t.pk: t for t in Township.objects.all()}
    resolved = {}
    for value in parameter(schema, "/api/v1/employments/", "township")["schema"]["enum"]:
        filters = filters_parse({"township": value})
        resolved.setdefault(filters.township_id, set()).add(value)
    assert set(resolved) == set(townships)
    for pk, values in resolved.items():
        assert townships[pk].name in values and townships[pk].code in values
    industries = {i.pk: i for i in Industry.objects.all()}
    resolved = {}
    for value in parameter(schema, "/api/v1/employments/", "industry")["schema"]["enum"]:
        resolved.setdefault(filters_parse({"industry": value}).industry_id, set()).add(value)
    assert set(resolved) == set(industries)
    for pk, values in resolved.items():
        assert industries[pk].name in values and industries[pk].code in values


def test_a_former_code_and_a_12_digit_code_filter_through_the_api(client, token, schema, reference_data):
    street = Township.objects.exclude(former_code="").order_by("code").first()
    job = EmploymentFactory(worker=WorkerFactory(township=street))
    EmploymentFactory(worker=WorkerFactory(township=Township.objects.get(name="甘宁镇")))
    enum = parameter(schema, "/api/v1/employments/", "township")["schema"]["enum"]
    for value in (street.former_code, street.former_code + "000", street.code + "000", street.name):
        assert value in enum
        results = get(client, token, "/api/v1/employments/", township=value).json()["results"]
        assert [item["id"] for item in results] == [job.pk], value
    assert get(client, token, "/api/v1/employments/", township="不存在镇").status_code == 400
