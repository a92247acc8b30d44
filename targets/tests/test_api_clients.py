"""API clients and the shared API pieces (DESIGN.md §6, §8; THREATS.md B1, B2, B12–B16): the
create/revoke commands, token authentication, read-only methods, the exception handler, and the progress and
reference endpoints — whose numbers must equal the dashboard snapshot's."""

import hashlib
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import ProtectedError
from django.utils import timezone

from conftest import STRONG_PASSWORD
from targets.api import api_client_create, api_client_revoke
from targets.models import ApiAccessLog, ApiClient, Industry
from targets.progress import progress_build, progress_snapshot
from workers.tests.factories import EmploymentFactory, WorkerFactory

PROGRESS = "/api/v1/progress/"
ENDPOINTS = (
    "/api/v1/employments/",
    "/api/v1/workers/",
    "/api/v1/employments/export.ndjson",
    "/api/v1/employments/export.csv",
    "/api/v1/progress/",
    "/api/v1/townships/",
    "/api/v1/industries/",
    "/api/v1/enrolments/",
    "/api/v1/employment-status/",
    "/api/v1/household-coverage/",
    "/api/v1/routine-status/",
)


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


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


# --- Commands --------------------------------------------------------------------------------------------


def test_create_api_client_prints_the_token_once_and_stores_its_hash(reference_data, capsys):
    call_command("create_api_client", "渝悦就业", "--unmasked", "--days", "30")
    lines = capsys.readouterr().out.strip().splitlines()
    token = lines[-1]
    assert token.startswith("wzj_") and len(token) >= 40
    client = ApiClient.objects.get(name="渝悦就业")
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(ApiClient.objects.values()))
    assert client.scopes == ["read", "read_unmasked"]
    assert client.expires_at.date() == (timezone.now() + timedelta(days=30)).date()
    assert client.token_prefix == token[:12]


def test_create_api_client_defaults_and_refuses_a_taken_name(reference_data, settings, capsys):
    settings.API_TOKEN_DAYS = 365
    call_command("create_api_client", "区大数据局")
    client = ApiClient.objects.get(name="区大数据局")
    assert client.scopes == ["read"] and (client.expires_at - timezone.now()).days in (364, 365)
    with pytest.raises(CommandError, match="客户端“区大数据局”已存在"):
        call_command("create_api_client", "区大数据局")
    with pytest.raises(CommandError, match="有效天数"):
        call_command("create_api_client", "另一个", "--days", "-1")
    with pytest.raises(CommandError, match="限流格式"):
        call_command("create_api_client", "另一个", "--rate", "fast")
    call_command("create_api_client", "永久", "--days", "0")
    assert ApiClient.objects.get(name="永久").expires_at is None


def test_revoke_api_client_stops_the_token_at_once(client, token, capsys):
    assert client.get("/api/v1/townships/", **auth(token)).status_code == 200
    call_command("revoke_api_client", "渝悦就业")
    assert "已停用" in capsys.readouterr().out
    response = client.get("/api/v1/townships/", **auth(token))
    assert response.status_code == 401
    assert response.json() == {"message": "令牌已停用，请联系区人力社保局重新申请。", "fields": {}}
    call_command("revoke_api_client", "渝悦就业")  # idempotent
    assert "此前已停用" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到客户端“无此客户端”"):
        call_command("revoke_api_client", "无此客户端")


# --- Authentication (THREATS.md B1, B2, B12, B13) ---------------------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_token_is_401(client, reference_data, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["message"].startswith("未提供身份认证信息")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token wzj_not-a-real-token", "令牌无效。"),
        ("Token", "Authorization 请求头格式错误，应为 “Token <令牌>”。"),
        ("Token a b", "Authorization 请求头格式错误，应为 “Token <令牌>”。"),
        ("Bearer wzj_x", None),
    ],
)
def test_wrong_or_malformed_token_is_401(client, reference_data, header, message):
    response = client.get("/api/v1/employments/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["message"] == (message or response.json()["message"])


def test_expired_token_is_401(client, reference_data):
    api_client, token = api_client_create(name="过期", days=1)
    ApiClient.objects.filter(pk=api_client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/townships/", **auth(token))
    assert response.status_code == 401
    assert response.json()["message"] == "令牌已过期，请联系区人力社保局重新申请。"


def test_token_in_the_query_string_is_refused_even_with_a_valid_header(client, token):
    for name in ("token", "access_token", "api_key"):
        response = client.get("/api/v1/townships/", {name: token}, **auth(token))
        assert response.status_code == 401
        assert response.json()["message"].startswith("不接受在网址参数中传递令牌")


def test_basic_authentication_is_not_accepted(client, clerk_a):
    import base64

    credentials = base64.b64encode(f"clerk_a:{STRONG_PASSWORD}".encode()).decode()
    response = client.get("/api/v1/employments/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 401


def test_token_never_creates_a_session_and_does_not_open_the_admin(client, token, settings):
    assert client.get("/api/v1/townships/", **auth(token)).status_code == 200
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    admin = client.get("/" + settings.ADMIN_URL, **auth(token))
    assert admin.status_code == 302 and "login" in admin["Location"]


def test_last_used_is_updated_at_most_once_a_minute(client, token):
    client.get("/api/v1/townships/", **auth(token))
    first = ApiClient.objects.get(name="渝悦就业").last_used_at
    assert first is not None
    client.get("/api/v1/townships/", **auth(token))
    assert ApiClient.objects.get(name="渝悦就业").last_used_at == first
    ApiClient.objects.filter(name="渝悦就业").update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/townships/", **auth(token))
    assert ApiClient.objects.get(name="渝悦就业").last_used_at > first


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_405(client, token, path, method):
    response = getattr(client, method)(path, data={}, content_type="application/json", **auth(token))
    assert response.status_code == 405
    assert response.json()["message"] == f"数据接口只读，不支持 {method.upper()} 请求。"


def test_staff_session_writes_are_refused(login, bureau_user):
    client = login(bureau_user)
    client.handler.enforce_csrf_checks = True
    assert client.post("/api/v1/employments/").status_code == 403  # CSRF, before anything else
    assert client.get("/api/v1/employments/").status_code == 200


# --- Errors and the access log -----------------------------------------------------------------------------------


def test_server_error_is_json_without_traceback(client, token):
    with mock.patch(
        "targets.api.progress.dashboard_progress", side_effect=RuntimeError("secret 500101199001011234")
    ):
        response = client.get(PROGRESS, {"year": 2025}, **auth(token))
    assert response.status_code == 500
    assert response.json() == {
        "message": "服务器内部错误，请稍后重试；如持续出现请联系系统管理员。",
        "fields": {},
    }
    assert b"Traceback" not in response.content and b"500101199001011234" not in response.content


def test_access_log_is_kept_append_only(client, token):
    client.get("/api/v1/townships/", **auth(token))
    log = ApiAccessLog.objects.get()
    assert (log.principal, log.status, log.record_count) == ("client:渝悦就业", 200, 52)
    assert ApiAccessLog._meta.default_permissions == ("view",)
    with pytest.raises(ProtectedError):
        ApiClient.objects.filter(name="渝悦就业").delete()


# --- Progress (the dashboard's numbers) ----------------------------------------------------------------------------


@pytest.fixture
def ledger(township_a, township_b):
    mfg = Industry.objects.get(code="02")
    for township in (township_a, township_a, township_b):
        EmploymentFactory(worker=WorkerFactory(township=township), industry=mfg, start_date=date(2025, 2, 10))
    EmploymentFactory(worker=WorkerFactory(township=township_b), start_date=date(2025, 8, 1), returnee=True)


def test_progress_equals_the_dashboard_snapshot(client, token, ledger):
    response = client.get(PROGRESS, {"year": 2025}, **auth(token))
    assert response.status_code == 200
    data = response.json()
    snapshot = progress_snapshot(year=2025)
    assert set(data) == {
        "year",
        "as_of",
        "time_progress",
        "computed_at",
        "district",
        "townships",
        "industries",
    }
    assert data["as_of"] == snapshot.as_of.isoformat() == "2025-12-31"
    assert data["computed_at"] == timezone.localtime(snapshot.computed_at).isoformat(timespec="microseconds")
    assert data["time_progress"] == snapshot.data["time_progress"] == 1.0
    district_keys = [
        "target",
        "count",
        "completion_rate",
        "returnee_target",
        "returnee_count",
        "cumulative_target",
        "cumulative_count",
        "distinct_people",
    ]
    assert data["district"] == {k: snapshot.data["district"][k] for k in district_keys}
    assert (data["district"]["count"], data["district"]["returnee_count"]) == (4, 1)
    unit = ["code", "name", "target", "count", "completion_rate", "lagging", "seriously_lagging"]
    assert data["townships"] == [{k: row[k] for k in unit} for row in snapshot.data["townships"]]
    assert data["industries"] == [
        {**{k: row[k] for k in unit}, "lead_department": row["lead_department"]}
        for row in snapshot.data["industries"]
    ]
    assert len(data["townships"]) == 52 and len(data["industries"]) == 13
    no_target = next(t for t in data["townships"] if t["name"] == "高笋塘街道")
    assert no_target["target"] is None and no_target["completion_rate"] is None
    assert next(i for i in data["industries"] if i["code"] == "99")["target"] is None


def test_progress_as_of_is_honoured(client, token, ledger):
    data = client.get(PROGRESS, {"year": 2025, "as_of": "2025-03-31"}, **auth(token)).json()
    built = progress_build(year=2025, as_of=date(2025, 3, 31))
    assert data["as_of"] == "2025-03-31"
    assert data["time_progress"] == built["time_progress"] == round(90 / 365, 4)
    assert data["district"]["count"] == built["district"]["count"] == 3  # the August job is not yet counted
    assert [t["count"] for t in data["townships"]] == [t["count"] for t in built["townships"]]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "请用 year 参数指定年度，如 ?year=2025。"),
        ({"year": "abc"}, 400, "year 应为四位年份，如 2025。"),
        ({"year": 2031}, 404, "没有 2031 年度的计划目标（计划年度：2025、2026、2027）。"),
        (
            {"year": 2025, "as_of": "2026-01-01"},
            400,
            "as_of 应为 2025 年内的日期，格式“年-月-日”，如 2025-06-30。",
        ),
        (
            {"year": 2025, "as_of": "2025-02-30"},
            400,
            "as_of 应为 2025 年内的日期，格式“年-月-日”，如 2025-06-30。",
        ),
    ],
)
def test_progress_bad_parameters(client, token, params, status, message):
    response = client.get(PROGRESS, params, **auth(token))
    assert response.status_code == status
    assert response.json()["message"] == message


def test_progress_rows_follow_the_staff_scope(login, clerk_a, industry_user, ledger):
    data = login(clerk_a).get(PROGRESS, {"year": 2025}).json()
    assert [t["name"] for t in data["townships"]] == ["甘宁镇"]
    assert data["townships"][0]["count"] == 2
    data = login(industry_user).get(PROGRESS, {"year": 2025}).json()
    assert [i["name"] for i in data["industries"]] == ["制造业"] and len(data["townships"]) == 52


# --- Reference data ----------------------------------------------------------------------------------------------


def test_townships_with_targets(client, token):
    data = client.get("/api/v1/townships/", **auth(token)).json()
    assert data["count"] == 52
    rows = {row["name"]: row for row in data["results"]}
    assert rows["甘宁镇"]["targets"] == [
        {"year": 2025, "target": 730},
        {"year": 2026, "target": 730},
        {"year": 2027, "target": 730},
    ]
    assert rows["高笋塘街道"]["targets"][0] == {"year": 2025, "target": None}
    assert rows["高峰街道"]["former_code"] == "500101134" and rows["甘宁镇"]["former_code"] is None


def test_industries_with_targets(client, token):
    data = client.get("/api/v1/industries/", **auth(token)).json()
    assert data["count"] == 13
    rows = {row["code"]: row for row in data["results"]}
    assert rows["02"]["targets"][0] == {"year": 2025, "target": 3000}
    assert rows["02"]["lead_department"] == "万州经开区经济运行局、区经济信息委"
    assert rows["99"]["targets"][0]["target"] is None


def test_revoke_service_reports_state(token):
    client, was_active = api_client_revoke(name="渝悦就业")
    assert was_active and client.is_revoked
    assert api_client_revoke(name="渝悦就业")[1] is False
