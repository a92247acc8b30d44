"""Progress pages: district, township and industry dashboards, the people drill-down and the briefing .xlsx.

Seed (2025): 甘宁镇 (target 730) 25 people counted on 3 January and 5 more later; 分水镇 (target 1,200) 30
people on 4 January; 高笋塘街道 (no target) 2 people. As of 2025-01-10 (time progress 2.74 %) 甘宁镇 is on
track, 分水镇 lagging (2.5 %) but not seriously, every other township seriously lagging (0 %). As of the
snapshot's 31 December every township is behind.
"""

import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import STRONG_PASSWORD, login_request
from targets.models import Industry, Township
from targets.progress import progress_recompute
from targets.services import staff_user_save
from workers.models import Workplace
from workers.tests.factories import EmploymentFactory, WorkerFactory

pytestmark = pytest.mark.django_db

EARLY = "2025-01-10"


@pytest.fixture
def seeded(township_a, township_b):
    mfg, build = Industry.objects.get(code="02"), Industry.objects.get(code="03")
    gaosuntang = Township.objects.get(name="高笋塘街道")
    workers = []
    for n in range(25):
        worker = WorkerFactory(township=township_a, village="石峰村")
        EmploymentFactory(
            worker=worker, industry=mfg if n < 20 else build, start_date=date(2025, 1, 3), returnee=n < 3
        )
        workers.append(worker)
    for month in (3, 3, 4, 6, 9):
        worker = WorkerFactory(township=township_a)
        EmploymentFactory(worker=worker, industry=mfg, start_date=date(2025, month, 10))
        workers.append(worker)
    for _n in range(30):
        worker = WorkerFactory(township=township_b)
        EmploymentFactory(worker=worker, industry=build, start_date=date(2025, 1, 4))
        workers.append(worker)
    for _n in range(2):
        worker = WorkerFactory(township=gaosuntang)
        EmploymentFactory(worker=worker, industry=mfg, start_date=date(2025, 5, 1))
        workers.append(worker)
    outside = WorkerFactory(township=township_a)  # works outside the district: never counted
    EmploymentFactory(worker=outside, workplace=Workplace.OUT_OF_CITY, start_date=date(2025, 2, 1))
    workers.append(outside)
    snapshot = progress_recompute(year=2025)
    return {"snapshot": snapshot, "workers": workers}


def _rows(body: str, table_id: str) -> list[dict]:
    """The data rows of a table: code, kind, classes and cell texts."""

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.depth, self.row, self.cell = [], 0, None, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "table" and attrs.get("id") == table_id:
                self.depth = 1
            elif tag == "table" and self.depth:
                self.depth += 1
            elif self.depth and tag == "tr" and "data-code" in attrs:
                self.row = {
                    "code": attrs["data-code"],
                    "kind": attrs.get("data-kind"),
                    "class": attrs.get("class", "").split(),
                    "cells": [],
                }
            elif self.row is not None and tag == "td":
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "table" and self.depth:
                self.depth -= 1
            elif tag == "td" and self.row is not None and self.cell is not None:
                self.row["cells"].append(self.cell.strip())
                self.cell = None
            elif tag == "tr" and self.row is not None:
                self.rows.append(self.row)
                self.row = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Parser()
    parser.feed(body)
    return parser.rows


def _url(name, *args, **query):
    from urllib.parse import urlencode

    return reverse(f"targets:{name}", args=args) + (f"?{urlencode(query, doseq=True)}" if query else "")


# --- District dashboard ------------------------------------------------------------------------------


def test_bureau_dashboard_shows_every_township_from_the_snapshot(login, bureau_user, seeded):
    response = login(bureau_user).get(_url("dashboard", year=2025))
    assert response.status_code == 200
    body = response.content.decode()
    data = seeded["snapshot"].data
    rows = _rows(body, "township-table")
    assert len([r for r in rows if r["kind"] == "target"]) == 49
    assert sorted(r["code"] for r in rows if r["kind"] == "no-target") == sorted(
        t["code"] for t in data["townships"] if t["target"] is None
    )
    # Every number in the table is the snapshot's: target, count, completion, expected, gap, projection.
    by_code = {t["code"]: t for t in data["townships"]}
    for row in rows:
        unit = by_code[row["code"]]
        cells = row["cells"]
        assert cells[1] == unit["name"]
        assert cells[3] == f"{unit['count']:,}"
        if unit["target"] is not None:
            assert cells[0] == str(unit["rank"])
            assert cells[2] == f"{unit['target']:,}"
            assert cells[4] == f"{unit['completion_rate'] * 100:.1f}%"
            assert cells[5] == f"{unit['expected_by_now']:,}"
            assert cells[6] == f"{unit['gap']:+,}"
        assert cells[7] == f"{unit['projection']:,}"
    ganning = next(r for r in rows if r["code"] == "500101139")
    assert ganning["cells"][3] == "30" and ganning["cells"][0] == "1"
    assert "serious" in ganning["class"]  # 31 December: 30 of 730 is far behind
    # The headline and the industry table come from the same snapshot.
    district = data["district"]
    assert district["count"] == 62
    assert f">{district['count']:,}<" in body and "15,000" in body and "6,000" in body and "45,000" in body
    industries = {r["code"]: r for r in _rows(body, "industry-table")}
    assert industries["02"]["cells"][3] == "27" and industries["03"]["cells"][3] == "35"
    assert industries["02"]["cells"][1] == Industry.objects.get(code="02").lead_department
    assert len(_rows(body, "sector-table")) == 5
    assert "数据计算于" in body and seeded["snapshot"].computed_at.astimezone().strftime("%Y-%m-%d") in body


def test_dashboard_body_is_rendered_once_per_snapshot_and_query(login, bureau_user, seeded, monkeypatch):
    from targets.views import dashboards

    renders = []
    original = dashboards._dashboard_body
    monkeypatch.setattr(
        dashboards, "_dashboard_body", lambda *a, **kw: renders.append(1) or original(*a, **kw)
    )
    client = login(bureau_user)
    first = client.get(_url("dashboard", year=2025)).content.decode()
    second = client.get(_url("dashboard", year=2025)).content.decode()
    main = '<main class="content">'
    assert second.split(main)[1] == first.split(main)[1]  # the header differs only by its CSRF token
    assert len(renders) == 1
    # Another query is another page: the lagging filter is never served the whole table.
    lagging = client.get(_url("dashboard", year=2025, lagging=1)).content.decode()
    assert len(renders) == 2 and "显示全部" in lagging and "显示全部" not in first
    # A recompute (a new snapshot) is rendered afresh and shows the new count.
    worker = WorkerFactory(township=Township.objects.get(name="甘宁镇"))
    EmploymentFactory(worker=worker, industry=Industry.objects.get(code="02"), start_date=date(2025, 7, 1))
    progress_recompute(year=2025)
    fresh = client.get(_url("dashboard", year=2025)).content.decode()
    assert len(renders) == 3
    assert re.search(r'<a href="[^"]*township=500101139[^"]*">31</a>', fresh)
    assert re.search(r'<a href="[^"]*township=500101139[^"]*">30</a>', first)


def test_dashboard_renders_when_the_cache_cannot_be_reached(login, bureau_user, seeded, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    response = login(bureau_user).get(_url("dashboard", year=2025))
    assert response.status_code == 200
    assert len([r for r in _rows(response.content.decode(), "township-table") if r["kind"] == "target"]) == 49


def test_dashboard_pages_have_no_inline_code(login, bureau_user, seeded):
    body = login(bureau_user).get(_url("dashboard", year=2025)).content.decode()
    for tag in re.findall(r"<script[^>]*>", body):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", body)
    assert 'id="trend-data"' in body and 'id="completion-data"' in body
    assert "vendor/echarts/echarts.common.min.js" in body and "js/dashboard.js" in body


def test_every_count_links_to_its_people(login, bureau_user, seeded):
    client = login(bureau_user)
    body = client.get(_url("dashboard", year=2025)).content.decode()
    link = re.search(r'<a href="([^"]*township=500101139[^"]*)">30</a>', body)
    assert link, "甘宁镇's count links to its people"
    people = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert re.search(r'id="people-total">30<', people)
    assert "分水镇" not in _rows_text(people)


def _rows_text(body: str) -> str:
    return body.split('id="people-table"', 1)[1]


def test_only_lagging_filter_and_sorting(login, bureau_user, seeded):
    client = login(bureau_user)
    rows = _rows(client.get(_url("dashboard", year=2025, as_of=EARLY)).content.decode(), "township-table")
    status = {r["code"]: r["class"] for r in rows}
    assert "lagging" not in status["500101139"] and "serious" not in status["500101139"]  # 甘宁镇 on track
    assert "lagging" in status["500101144"] and "serious" not in status["500101144"]  # 分水镇 lagging
    assert "serious" in status["500101135"]  # 龙沙镇: nobody yet

    body = client.get(_url("dashboard", year=2025, as_of=EARLY, lagging=1)).content.decode()
    lagging = _rows(body, "township-table")
    assert len(lagging) == 48 and all(r["kind"] == "target" for r in lagging)
    assert "500101139" not in {r["code"] for r in lagging}
    assert "显示全部" in body

    by_code = _rows(
        client.get(_url("dashboard", year=2025, sort="code", dir="asc")).content.decode(), "township-table"
    )
    codes = [r["code"] for r in by_code if r["kind"] == "target"]
    assert codes == sorted(codes)
    by_count = _rows(
        client.get(_url("dashboard", year=2025, as_of=EARLY, sort="count")).content.decode(), "township-table"
    )
    assert [r["code"] for r in by_count[:2]] == ["500101144", "500101139"]


def test_no_lagging_township_shows_an_empty_state(login, bureau_user, seeded, monkeypatch):
    # Seen from mid-2026, 2027 is a future year: time progress 0, so nobody lags yet.
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2026, 6, 30))
    body = login(bureau_user).get(_url("dashboard", year=2027, lagging=1)).content.decode()
    assert "目前没有滞后的镇乡街道。" in body


def test_explicit_as_of_builds_live_and_says_so(login, bureau_user, seeded):
    body = login(bureau_user).get(_url("dashboard", year=2025, as_of=EARLY)).content.decode()
    assert "按所选截止日实时计算" in body and "统计截止 2025-01-10" in body and "2.7%" in body


@pytest.mark.parametrize("value", ["2025-02-30", "abc", "2025-13-01", "<script>"])
def test_bad_as_of_is_a_chinese_message_not_a_500(login, bureau_user, seeded, value):
    response = login(bureau_user).get(_url("dashboard", year=2025, as_of=value))
    assert response.status_code == 400
    body = response.content.decode()
    assert "不是有效日期" in body and "<script>" not in body.split('id="f-as-of-error"')[1][:200]


def test_as_of_outside_the_year_is_clamped(login, bureau_user, seeded):
    body = login(bureau_user).get(_url("dashboard", year=2025, as_of="2024-05-01")).content.decode()
    assert "统计截止日不在 2025 年内，已调整为 2025-01-01。" in body


@pytest.mark.parametrize("year", [2026, 2027])
def test_current_and_future_years_render(login, bureau_user, seeded, year):
    response = login(bureau_user).get(_url("dashboard", year=year))
    assert response.status_code == 200
    assert len(_rows(response.content.decode(), "township-table")) == 52


def test_superuser_sees_the_district_dashboard(client, reference_data):
    get_user_model().objects.create_superuser("root", password=STRONG_PASSWORD)
    client.login(request=login_request(), username="root", password=STRONG_PASSWORD)
    assert client.get(_url("dashboard", year=2025)).status_code == 200


# --- Roles and scoping -------------------------------------------------------------------------------


def test_township_body_is_rendered_once_per_snapshot_and_viewer(
    login, bureau_user, clerk_a, seeded, monkeypatch
):
    """The township page is cached like the district page, but per kind of viewer: the clerk is never served
    the bureau's body (or the reverse), and a corrected name shows at once."""
    from targets.views import dashboards

    renders = []
    original = dashboards._township_body
    monkeypatch.setattr(
        dashboards, "_township_body", lambda *a, **kw: renders.append(1) or original(*a, **kw)
    )
    url = _url("township", "500101139", year=2025)
    bureau = login(bureau_user)
    first = bureau.get(url).content.decode()
    second = bureau.get(url).content.decode()
    main = '<main class="content">'
    assert second.split(main)[1] == first.split(main)[1] and len(renders) == 1
    clerk_body = login(clerk_a).get(url).content.decode()
    assert len(renders) == 2
    assert 'href="/targets/dashboard/?year=2025">全区进度' in first
    assert 'href="/targets/dashboard/?year=2025">全区进度' not in clerk_body
    # A person's corrected name is shown at once, not after the next recompute.
    worker = next(w for w in seeded["workers"] if f">{w.name}<" in first)
    worker.name = "改正后的姓名"
    worker.save()
    fresh = bureau.get(url).content.decode()
    assert len(renders) == 3 and "改正后的姓名" in fresh


def test_clerk_is_sent_to_own_township_page(login, clerk_a, clerk_b, seeded):
    client = login(clerk_a)
    response = client.get(_url("dashboard", year=2025))
    assert response.status_code == 302 and response["Location"] == _url("township", "500101139", year=2025)
    response = client.get(response["Location"])
    assert response.status_code == 200
    body = response.content.decode()
    assert "甘宁镇" in body and "分水镇" not in body
    assert "第 1 名" in body and "在 49 个有目标的镇乡街道中按完成率排名" in body
    assert len(re.findall(r"<tr>\s*<td class=\"num\">\d+</td>", _rows_text(body))) == 20


def test_clerk_cannot_open_another_township_or_its_people(login, clerk_a, clerk_b, seeded):
    client = login(clerk_a)
    assert client.get(_url("township", "500101144", year=2025)).status_code == 404
    assert client.get(_url("people", year=2025, township="500101144")).status_code == 404
    assert client.get(_url("people", year=2025, township="999999999")).status_code == 404
    # Without a township parameter the list is still only their own people.
    body = client.get(_url("people", year=2025)).content.decode()
    assert re.search(r'id="people-total">30<', body) and "分水镇" not in _rows_text(body)
    assert client.get(_url("briefing", year=2025)).status_code == 403
    assert client.get(_url("industry", "02", year=2025)).status_code == 403


def test_bureau_opens_any_township(login, bureau_user, seeded):
    body = login(bureau_user).get(_url("township", "500101144", year=2025)).content.decode()
    assert "分水镇" in body and "第 2 名" in body
    gaosuntang = login(bureau_user).get(_url("township", "500101001", year=2025)).content.decode()
    assert "不参与排名" in gaosuntang


def test_township_month_table_links_match_the_series(login, bureau_user, seeded):
    client = login(bureau_user)
    body = client.get(_url("township", "500101139", year=2025)).content.decode()
    march = re.search(r'<a href="([^"]*month=3[^"]*)">(\d+)</a>', body)
    assert march and march.group(2) == "2"
    listed = client.get(march.group(1).replace("&amp;", "&")).content.decode()
    assert re.search(r'id="people-total">2<', listed)


def test_industry_user_sees_only_their_industries(login, industry_user, seeded):
    client = login(industry_user)
    response = client.get(_url("dashboard", year=2025))
    assert response.status_code == 302 and response["Location"] == _url("industry", "02", year=2025)
    body = client.get(response["Location"]).content.decode()
    assert "制造业" in body and "建筑业" not in body and "批发和零售业" not in body
    assert [r["code"] for r in _rows(body, "sector-table")] == ["sector-manufacturing"]
    assert client.get(_url("industry", "03", year=2025)).status_code == 404
    assert client.get(_url("people", year=2025, industry="03")).status_code == 404
    assert client.get(_url("township", "500101139", year=2025)).status_code == 403
    people = client.get(_url("people", year=2025)).content.decode()
    assert re.search(r'id="people-total">27<', people)  # 制造业 only, every township
    assert "建筑业" not in _rows_text(people) and "修改" not in _rows_text(people)


def test_reviewer_and_unassigned_users_get_403(client, login, reviewer_user, seeded):
    reviewer = login(reviewer_user)
    for url in (_url("dashboard"), _url("township", "500101139"), _url("people"), _url("briefing")):
        assert reviewer.get(url).status_code == 403
    get_user_model().objects.create_user("nobody", password=STRONG_PASSWORD)
    client.login(request=login_request(), username="nobody", password=STRONG_PASSWORD)
    for url in (_url("dashboard"), _url("township", "500101139"), _url("industry", "02"), _url("people")):
        response = client.get(url)
        assert response.status_code == 403 and "尚未分配权限" in response.content.decode()


# --- People list -------------------------------------------------------------------------------------


def test_people_list_masks_id_numbers_and_paginates(login, bureau_user, seeded):
    client = login(bureau_user)
    first = client.get(_url("people", year=2025)).content.decode()
    second = client.get(_url("people", year=2025, page=2)).content.decode()
    assert re.search(r'id="people-total">62<', first)
    assert (
        len(re.findall(r'<td class="mono">', first)) == 50
        and len(re.findall(r'<td class="mono">', second)) == 12
    )
    for worker in seeded["workers"]:
        assert worker.id_number not in first and worker.id_number not in second
    shown = [w for w in seeded["workers"] if w.masked_id_number in first + second]
    assert len(shown) == 62
    worker = seeded["workers"][0]
    assert reverse("admin:workers_worker_change", args=[worker.pk]) in first + second


def test_people_list_filters_returnees_and_industries(login, bureau_user, seeded):
    client = login(bureau_user)
    body = client.get(_url("people", year=2025, township="500101139", returnee=1)).content.decode()
    assert re.search(r'id="people-total">3<', body) and "回引返乡就业创业人员名单" in body
    body = client.get(_url("people", year=2025, industry=["02", "03"])).content.decode()
    assert re.search(r'id="people-total">62<', body)
    assert client.get(_url("people", year=2025, month="13")).status_code == 400


def test_clerk_gets_change_links_for_own_people(login, clerk_a, seeded):
    body = login(clerk_a).get(_url("people", year=2025)).content.decode()
    assert body.count("/manage/workers/worker/") == 30


# --- Briefing ----------------------------------------------------------------------------------------


def _briefing(client, **query):
    response = client.get(_url("briefing", **query))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response, load_workbook(io.BytesIO(response.content))


def test_briefing_xlsx_ranks_52_townships_and_marks_lagging(login, bureau_user, seeded):
    response, workbook = _briefing(login(bureau_user), year=2025, as_of=EARLY)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value == "万州区2025年新增农民工就近就业目标任务完成情况通报"
    assert "2025年01月10日" in sheet["A2"].value
    header = next(row for row in range(1, 20) if sheet.cell(row, 1).value == "排名")
    assert [sheet.cell(header, c).value for c in range(1, 12)] == [
        "排名", "镇乡街道", "年度目标", "新增就业", "完成率", "时序进度", "应完成数", "差额", "预计全年", "每月还需", "状态",
    ]  # fmt: skip
    rows = [[sheet.cell(r, c) for c in range(1, 12)] for r in range(header + 1, header + 53)]
    assert len(rows) == 52 and sheet.cell(header + 53, 1).value in (None, "")
    names = [row[1].value for row in rows]
    assert len(set(names)) == 52
    ranked, unranked = rows[:49], rows[49:]
    ranks = [row[0].value for row in ranked]
    assert ranks == sorted(ranks) and ranks[0] == 1
    rates = [row[4].value for row in ranked]
    assert rates == sorted(rates, reverse=True)
    assert {row[1].value for row in unranked} == {"高笋塘街道", "牌楼街道", "周家坝街道"}
    assert all(row[0].value == "—" for row in unranked)
    assert names[0] == "甘宁镇" and rows[0][3].value == 25 and rows[0][10].value == "正常"
    fenshui = rows[names.index("分水镇")]
    assert fenshui[10].value == "滞后" and fenshui[0].fill.fgColor.rgb.endswith("FFF2CC")
    longsha = rows[names.index("龙沙镇")]
    assert longsha[10].value == "严重滞后" and longsha[0].fill.fgColor.rgb.endswith("FFC7CE")
    assert rows[0][0].fill.fill_type is None
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == f"${header}:${header}"
    assert sheet.column_dimensions["B"].width >= 14
    # Nothing anywhere is a formula.
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    industries = workbook.worksheets[1]
    values = [c.value for row in industries.iter_rows() for c in row]
    assert "制造业" in values and Industry.objects.get(code="02").lead_department in values


def test_briefing_headline_equals_snapshot(login, bureau_user, seeded):
    _response, workbook = _briefing(login(bureau_user), year=2025)
    sheet = workbook.worksheets[0]
    label_row = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "新增农民工就近就业")
    district = seeded["snapshot"].data["district"]
    assert [sheet.cell(label_row, c).value for c in (3, 4)] == [district["target"], district["count"]]
    assert sheet.cell(label_row + 1, 4).value == district["returnee_count"] == 3


def test_briefing_bad_as_of_and_other_roles(login, bureau_user, industry_user, seeded):
    response = login(bureau_user).get(_url("briefing", year=2025, as_of="2025-02-30"))
    assert response.status_code == 400 and "不是有效日期" in response.content.decode()
    assert login(industry_user).get(_url("briefing", year=2025)).status_code == 403


def test_briefing_text_that_looks_like_a_formula_stays_text(login, reference_data):
    user = staff_user_save(username="bureau2", role="bureau", password=STRONG_PASSWORD)
    Township.objects.filter(name="甘宁镇").update(name="=HYPERLINK(1)")
    _response, workbook = _briefing(login(user), year=2025)
    cells = [c for row in workbook.worksheets[0].iter_rows() for c in row if c.value == "=HYPERLINK(1)"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_bureau_on_one_industry_sees_its_lead_departments_industries(login, bureau_user, seeded):
    """Issue 18, item 7: not all twelve industries under 主管行业完成情况."""
    client = login(bureau_user)
    body = client.get(_url("industry", "04", year=2025)).content.decode()
    assert sorted(r["code"] for r in _rows(body, "industry-table")) == ["04", "06", "10"]  # 区商务委
    single = client.get(_url("industry", "02", year=2025)).content.decode()
    assert "主管行业完成情况" not in single and 'id="industry-table"' not in single
