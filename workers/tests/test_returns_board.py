"""The returns board (issue 18, item 5): the 49 townships of annex 1 are counted, the three streets without a
target listed apart; a quarter that has not ended is in progress with its deadline, an ended one is due
until the 10th day after it, then overdue."""

from datetime import date

import pytest
from django.urls import reverse

from targets.models import Township
from workers.models import ImportBatch
from workers.selectors import return_deadline, returns_board

pytestmark = pytest.mark.django_db


def _states(board, name):
    row = next(r for r in board["rows"] + board["apart"] if r["township"].name == name)
    return [c["state"] for c in row["cells"]]


def test_49_counted_3_apart_and_the_states_of_a_missing_return(township_a, clerk_a):
    ImportBatch.objects.create(
        township=township_a, year=2026, quarter=1, file_name="q1.xlsx", file_sha256="1" * 64,
        status=ImportBatch.Status.IMPORTED, uploaded_by=clerk_a,
    )  # fmt: skip
    board = returns_board(year=2026, today=date(2026, 7, 5))  # Q2 ended 06-30, due by 07-10
    assert len(board["rows"]) == 49 and len(board["apart"]) == 3
    assert {r["township"].name for r in board["apart"]} == {"高笋塘街道", "牌楼街道", "周家坝街道"}
    assert board["last_closed"] == 2 and len(board["missing"]) == 49 and not board["overdue"]
    assert _states(board, "甘宁镇") == ["submitted", "due", "in_progress", "in_progress"]
    assert _states(board, "分水镇") == ["overdue", "due", "in_progress", "in_progress"]
    assert return_deadline(2026, 2) == date(2026, 7, 10)
    later = returns_board(year=2026, today=date(2026, 7, 11))
    assert later["overdue"] and _states(later, "分水镇")[:2] == ["overdue", "overdue"]


def test_december_shows_q4_in_progress_not_missing(township_a):
    board = returns_board(year=2026, today=date(2026, 12, 3))
    assert board["last_closed"] == 3
    assert _states(board, "甘宁镇")[3] == "in_progress"


def test_the_page_says_49_and_lists_the_streets_apart(login, bureau_user, reference_data):
    page = login(bureau_user).get(reverse("workers:returns_board") + "?year=2025").content.decode()
    assert "附件1的 49 个镇乡街道中 49 个尚未报送" in page
    assert "无分解目标的街道" in page and page.index("高笋塘街道") > page.index("无分解目标的街道")
    assert "逾期未报送" in page
    assert Township.objects.filter(in_plan=True).count() == 49
