"""A user made by `create_user` changes the first password before seeing any data (THREATS.md C7, issue 16
item 2) — on the API as on the pages: such a session gets the API's JSON 403 on every API URL pattern,
which is picked up from the resolver; token clients are not concerned, and the schema and its
documentation pages (no data) stay reachable.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import STRONG_PASSWORD, login_request
from targets.api import api_client_create
from targets.models import ApiAccessLog
from wanzhou_jobs.api import PASSWORD_CHANGE_FIRST
from workers.tests.factories import EmploymentFactory, WorkerFactory

DOCUMENTATION = {"api-schema", "api-docs", "api-redoc"}


def _api_routes(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(path, name) of every URL pattern under /api/, recursively."""
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            ns = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _api_routes(item, prefix + str(item.pattern), ns)
        elif isinstance(item, URLPattern):
            route = prefix + str(item.pattern)
            if route.startswith("api/"):
                assert "<" not in route, f"{route}: fill in its parameters here"
                yield "/" + route, f"{namespace}{item.name}"


API_ROUTES = sorted(_api_routes(get_resolver()))
DATA_ROUTES = [path for path, name in API_ROUTES if name not in DOCUMENTATION]


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.API_SYNC_LAG_SECONDS = 0
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def first_login(client, township_a):
    """A clerk of 甘宁镇 made by `create_user`, logged in, first password not yet changed."""
    call_command(
        "create_user", "new_clerk", "--role", "clerk", "--township", "甘宁镇", "--password", STRONG_PASSWORD
    )
    assert client.login(request=login_request(), username="new_clerk", password=STRONG_PASSWORD)
    EmploymentFactory(worker=WorkerFactory(township=township_a))
    return client


def test_every_api_pattern_is_covered():
    """The data routes of DESIGN.md §6 are all here; a new API pattern joins the tests below by itself."""
    assert {
        "/api/v1/employments/",
        "/api/v1/employments/export.csv",
        "/api/v1/employments/export.ndjson",
        "/api/v1/workers/",
        "/api/v1/progress/",
        "/api/v1/townships/",
        "/api/v1/industries/",
    } <= set(DATA_ROUTES)


@pytest.mark.parametrize("path", DATA_ROUTES)
def test_a_session_that_must_change_its_password_gets_403_on_the_api(first_login, path):
    response = first_login.get(path, {"year": 2025} if path.endswith("/progress/") else {})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"message": str(PASSWORD_CHANGE_FIRST), "fields": {}}
    assert "no-store" in response["Cache-Control"]
    log = ApiAccessLog.objects.get()
    assert (log.principal, log.status, log.record_count) == ("user:new_clerk", 403, None)


@pytest.mark.parametrize("path", DATA_ROUTES)
def test_after_the_change_the_same_session_reads_the_api(first_login, path):
    first_login.post(
        "/password/",
        {
            "old_password": STRONG_PASSWORD,
            "new_password1": "Another-Passw0rd!",
            "new_password2": "Another-Passw0rd!",
        },
    )
    response = first_login.get(path, {"year": 2025} if path.endswith("/progress/") else {})
    assert response.status_code == 200


@pytest.mark.parametrize("path", DATA_ROUTES)
def test_a_token_client_is_not_concerned(first_login, path):
    """A token request made from a browser whose session must change its password is the client's."""
    token = api_client_create(name="渝悦就业")[1]
    response = first_login.get(
        path, {"year": 2025} if path.endswith("/progress/") else {}, HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("path", sorted(path for path, name in API_ROUTES if name in DOCUMENTATION))
def test_the_schema_and_its_documentation_stay_reachable(first_login, path):
    assert first_login.get(path).status_code == 200
