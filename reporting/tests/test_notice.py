"""The monthly 通报 as a Word document (issue 23, item 7): it opens with python-docx and every figure in it —
the summary paragraph, the township and industry tables, the lagging list — equals GET /api/v1/progress/'s;
the reporting-rate table equals the reporting rates. Bureau staff only."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse

from reporting.selectors import reporting_rates
from targets.models import Industry, Township
from targets.progress import progress_recompute
from targets.selectors_dashboard import pct
from workers.tests.factories import EmploymentFactory, WorkerFactory

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture
def seeded(township_a, township_b):
    mfg, build = Industry.objects.get(code="02"), Industry.objects.get(code="03")
    for n in range(12):
        EmploymentFactory(
            worker=WorkerFactory(township=township_a),
            industry=mfg if n < 8 else build,
            start_date=date(YEAR, 1, 5),
        )
    for _n in range(5):
        EmploymentFactory(
            worker=WorkerFactory(township=township_b), industry=build, start_date=date(YEAR, 2, 3)
        )
    EmploymentFactory(
        worker=WorkerFactory(township=Township.objects.get(name="高笋塘街道")),
        industry=mfg,
        start_date=date(YEAR, 3, 1),
    )
    return progress_recompute(year=YEAR)


def _document(client):
    from docx import Document

    response = client.get(reverse("reporting:notice"), {"year": YEAR})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    return Document(io.BytesIO(response.content))


def _rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_every_figure_equals_the_api(login, bureau_user, seeded):
    client = login(bureau_user)
    document = _document(client)
    api = client.get("/api/v1/progress/", {"year": YEAR}).json()
    text = [p.text for p in document.paragraphs]
    assert text[0] == "万州区农民工就近就业工作情况通报"
    as_of = date.fromisoformat(api["as_of"])
    assert text[1] == f"{YEAR}年第{as_of.month}期"
    assert text[2] == f"（数据截至{as_of.year}年{as_of.month}月{as_of.day}日）"
    district = api["district"]
    summary = text[3]
    assert summary.startswith(
        f"截至{as_of.month}月{as_of.day}日，全区新增农民工就近就业{district['count']}人，"
        f"完成年度目标（{district['target']}人）的{pct(district['completion_rate'])}，"
        f"时序进度{pct(api['time_progress'])}；回引农民工返乡就业创业{district['returnee_count']}人"
    )
    serious = [t for t in api["townships"] if t["seriously_lagging"]]
    lagging = [t for t in api["townships"] if t["lagging"]]
    assert f"{len(lagging)}个滞后于时序进度，其中严重滞后{len(serious)}个" in summary

    townships, industries, rates = document.tables
    header, *rows = _rows(townships)
    assert header == ["排名", "镇乡街道", "年度目标", "新增就业", "完成率", "状态"]
    by_name = {t["name"]: t for t in api["townships"]}
    assert len(rows) == len(by_name) == 52
    for _rank, name, target, count, rate, _status in rows:
        row = by_name[name]
        assert target == ("—" if row["target"] is None else str(row["target"]))
        assert count == str(row["count"]) and rate == pct(row["completion_rate"])
    assert rows[0][:4] == ["1", "甘宁镇", str(by_name["甘宁镇"]["target"]), "12"]

    header, *rows = _rows(industries)
    by_name = {i["name"]: i for i in api["industries"]}
    assert len(rows) == len(by_name)
    for name, lead, target, count, rate, _status in rows:
        row = by_name[name]
        assert lead == (row["lead_department"] or "—")
        assert target == ("—" if row["target"] is None else str(row["target"]))
        assert count == str(row["count"]) and rate == pct(row["completion_rate"])

    lagging_list = text[text.index("三、严重滞后的镇乡街道") + 1]
    names = re.match(r"(.*)（共(\d+)个）", lagging_list)
    assert set(names.group(1).split("、")) == {t["name"] for t in serious} and int(names.group(2)) == len(
        serious
    )

    header, *rows = _rows(rates)
    for row, rate in zip(rows, reporting_rates(year=YEAR), strict=True):
        assert row == [
            f"第{rate['quarter']}季度",
            rate["deadline"].isoformat(),
            *(str(rate[k]) for k in ("expected", "submitted", "on_time", "late", "missing")),
            pct(rate["reporting_rate"]),
            pct(rate["timeliness_rate"]),
        ]


def test_only_bureau_staff_download_it(login, clerk_a, industry_user, seeded):
    assert login(clerk_a).get(reverse("reporting:notice")).status_code == 403
    assert login(industry_user).get(reverse("reporting:notice")).status_code == 403


def test_a_rendered_page_for_the_docs(login, bureau_user, seeded, tmp_path):
    """LibreOffice prints the document to PDF, poppler's pdftoppm makes page 1 a PNG in docs/screenshots/."""
    import os
    import shutil
    import subprocess

    from django.conf import settings

    from tests.libreoffice import convert

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        message = "pdftoppm 不存在：apt-get install -y poppler-utils"
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    response = login(bureau_user).get(reverse("reporting:notice"), {"year": YEAR})
    source = tmp_path / "tongbao.docx"
    source.write_bytes(response.content)
    [pdf] = convert([source], "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    target = settings.BASE_DIR / "docs" / "screenshots" / "notice-docx-page1"
    subprocess.run(
        [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)], check=True
    )
    assert target.with_suffix(".png").stat().st_size > 10_000
