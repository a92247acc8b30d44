"""Every page names itself, says where it sits and says what to do when it is empty (issue 18).

Each role (bureau staff, a township clerk, an industry department, a reviewer) opens every HTML page of the
project on an empty database (reference data and the users only). A page must have one ``<h1>``, a
``<title>`` naming it, and a breadcrumb ``<nav class="crumbs" aria-label="面包屑">``: 首页 first (a link),
then the parents as links, the page itself last and not a link. A list with no rows must say what the user
can do (``EMPTY_STATES``); a table with nothing in its body, or an empty state this file does not know,
fails.

The pages come from the URL resolver, as in the security crawl (tests/security/test_crawl.py), so a new
page is checked without being listed here: pages without parameters in the first test, pages of one object
(`_object_pages`, or `POST_ONLY` when there is no page) in the second, with one object of each kind. The admin (its own breadcrumbs), the API,
downloads and the session-ending patterns are not pages of this kind (`NOT_PAGES`).
"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, resolve, reverse

from conftest import STRONG_PASSWORD, login_request
from tests.security.test_crawl import _patterns

pytestmark = pytest.mark.django_db

SITE_NAME = "万州区农民工就近就业目标管理系统"
CRUMBS_LABEL = "面包屑"

#: URL names that are not HTML pages for a logged-in user, and why.
NOT_PAGES = {
    "logout": "ends the session",
    "set_language": "stores a language preference; POST only",
    "favicon": "redirects to a static file",
    "healthz": "health check for the load balancer, JSON",
    "readyz": "health check for the load balancer, JSON",
    "login": "the page of anonymous users",
    "api-schema": "the OpenAPI document",
    "api-docs": "the API documentation (Swagger UI), a page of the API",
    "api-redoc": "the API documentation (ReDoc), a page of the API",
    "workers:return_status": "JSON polled by the batch page",
    "subsidies:attachment": "a file download",
}
DOWNLOAD_SUFFIXES = (".xlsx", ".docx", ".json", ".csv", ".ndjson")

#: The role fixtures of the root conftest (the security crawl's roles, without its 分水镇 data).
ROLES = {
    "bureau": "bureau_user",
    "clerk": "clerk_a",
    "industry": "industry_user",
    "reviewer": "reviewer_user",
}

#: On an empty database, what a list page says and where it sends the user: URL name → role → (the text,
#: the link offered, or None when the role may not act). Roles not named do not open the page.
EMPTY_STATES: dict[str, dict[str, list[tuple[str, str | None]]]] = {
    "assistance:worklist": dict.fromkeys(
        ("bureau", "clerk"),
        [
            (
                "没有待办：在帮扶中的人员本年度“1131”服务都已完成，或还没有人员纳入帮扶。"
                "在「帮扶对象」中查找台账人员并纳入帮扶。",
                "assistance:people",
            )
        ],
    ),
    "assistance:people": dict.fromkeys(
        ("bureau", "clerk"),
        [
            (
                "还没有在帮扶中的人员。在上方按姓名或完整身份证号查找台账中的人员，打开后点击「纳入帮扶」。",
                None,
            )
        ],
    ),
    "assistance:households": dict.fromkeys(
        ("bureau", "clerk"),
        [
            (
                "没有零就业家庭：帮扶中的家庭都至少有一人在岗，或还没有人员纳入帮扶。"
                "家庭成员在「帮扶对象」中纳入帮扶后，无人在岗的家庭列在这里。",
                "assistance:people",
            )
        ],
    ),
    "assistance:posts": dict.fromkeys(
        ("bureau", "clerk"), [("还没有公益性岗位安置记录。点击「新增安置」登记。", "assistance:post_new")]
    ),
    "assistance:follow_up": dict.fromkeys(
        ("bureau", "clerk"),
        [("目前没有需要跟踪服务的人员：在人员页面办理退出帮扶后，此人在跟踪服务期内列在这里。", None)],
    ),
    "assistance:pension": dict.fromkeys(
        ("bureau", "clerk"),
        [
            (
                "年的代缴标准尚未设定：区人力社保局在管理后台“城乡居民养老保险代缴标准”中填写最低缴费档次标准后，"
                "名单自动生成。",
                None,
            )
        ],
    ),
    "assistance:courses": dict.fromkeys(
        ("bureau", "clerk"), [("还没有培训班。点击「新增培训班」登记。", "assistance:course_new")]
    ),
    "assistance:events": dict.fromkeys(
        ("bureau", "clerk"), [("还没有招聘活动。在下方「登记招聘活动」中填写后保存。", None)]
    ),
    "assistance:channels": {
        "bureau": [("没有经该渠道的就业记录。在台账中登记就业时填写「就业渠道」，即计入这里。", None)],
    },
    # The key-task board's 比对 figures (issue 26) before any monitoring list is applied.
    **dict.fromkeys(
        ("assistance:index", "assistance:board"),
        {
            "bureau": [
                (
                    "还没有应用的监测名单。请在「导入监测名单」上传并确认，比对结果列在这里。",
                    "monitoring:upload",
                )
            ]
        },
    ),
    "monitoring:index": {
        "bureau": [
            ("还没有导入监测名单。请从监测系统导出名单后在「导入监测名单」上传。", "monitoring:upload")
        ],
        "clerk": [("区人力社保局还没有导入监测名单；导入后，本镇乡街道的比对结果列在这里。", None)],
    },
    "subsidies:list": {
        "bureau": [("还没有补贴申请。 新建第一份申请", "subsidies:new")],
        "clerk": [("还没有补贴申请。 新建第一份申请", "subsidies:new")],
        "reviewer": [("还没有补贴申请。镇乡街道提交后，在「审核队列」中审核。", "subsidies:review")],
    },
    "subsidies:review": dict.fromkeys(
        ("bureau", "reviewer"),
        [("该状态下没有待办的申请。点击上方其他状态查看；镇乡街道提交的申请在「已提交」中。", None)],
    ),
    "subsidies:notice": {
        "bureau": [
            (
                "目前没有公示中的补贴。区级审核通过的申请在「审核队列」中开始公示后列在这里。",
                "subsidies:review",
            )
        ],
        "reviewer": [
            (
                "目前没有公示中的补贴。区级审核通过的申请在「审核队列」中开始公示后列在这里。",
                "subsidies:review",
            )
        ],
        "clerk": [("目前没有公示中的补贴。区级审核通过的申请在「审核队列」中开始公示后列在这里。", None)],
    },
    "subsidies:summary": dict.fromkeys(
        ("bureau", "clerk", "reviewer"),
        [("本年度还没有补贴申请。镇乡街道在「补贴申请」中新建并提交后在这里汇总。", "subsidies:list")],
    ),
    "workers:return_list": {
        **dict.fromkeys(
            ("bureau", "clerk"),
            [("还没有导入记录。点击「上传季度报表」导入第一份报表。", "workers:return_upload")],
        ),
        **dict.fromkeys(
            ("industry", "reviewer"),
            [("没有可以查看的导入记录：季度报表由镇乡街道经办员和区人力社保局导入。", None)],
        ),
    },
    "targets:people": {
        **dict.fromkeys(
            ("bureau", "clerk"),
            [
                (
                    "没有符合条件的人员。在「台账录入」中登记人员的新就业后计入名单。",
                    "admin:workers_worker_add",
                )
            ],
        ),
        "industry": [("没有符合条件的人员。镇乡街道登记本行业的新就业后计入名单。", None)],
    },
    "targets:township": {
        "clerk": [
            ("没有符合条件的人员。在「台账录入」中登记人员的新就业后计入名单。", "admin:workers_worker_add")
        ],
    },
    "targets:audit": {
        "bureau": [("输入条件后点击“查询”。不填条件直接查询将列出全部日志（最新的在前）。", None)],
    },
    "reporting:inbox": dict.fromkeys(
        ("bureau", "clerk", "industry", "reviewer"),
        [("没有消息。报送截止临近、逾期、被退回、审核通过、临时开放和严重滞后提醒会出现在这里。", None)],
    ),
}


class Chrome(HTMLParser):
    """The parts of a page this test reads: title, h1s, the breadcrumb's items, data tables' body rows and
    the empty states (elements of class ``empty``) with their links."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.h1s: list[str] = []
        self.crumbs: list[list[tuple[str, str | None, str]]] = []  # per nav: (tag, href, text)
        self.tables: list[int] = []  # body rows of each table.data
        self.empties: list[tuple[str, list[str]]] = []  # (text, hrefs)
        self._in_title = False
        self._h1: list[str] | None = None
        self._crumb_nav = False
        self._crumb_item: list | None = None
        self._table_depth = 0
        self._tbody = False
        self._empty: list | None = None
        self._empty_tag = ""
        self._empty_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._h1 = []
        elif tag == "nav" and "crumbs" in classes and attrs.get("aria-label") == CRUMBS_LABEL:
            self._crumb_nav = True
            self.crumbs.append([])
        elif self._crumb_nav and tag in ("a", "span"):
            self._crumb_item = [tag, attrs.get("href"), ""]
        elif tag == "table" and "data" in classes:
            self.tables.append(0)
            self._table_depth += 1
        elif tag == "tbody" and self._table_depth:
            self._tbody = True
        elif tag == "tr" and self._tbody:
            self.tables[-1] += 1
        if self._empty is not None:
            if tag == self._empty_tag:
                self._empty_depth += 1
            if tag == "a":
                self._empty[1].append(attrs.get("href"))
        elif "empty" in classes:
            self._empty, self._empty_tag, self._empty_depth = ["", []], tag, 1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "h1" and self._h1 is not None:
            self.h1s.append("".join(self._h1).strip())
            self._h1 = None
        elif tag == "nav" and self._crumb_nav:
            self._crumb_nav = False
        elif self._crumb_item is not None and tag == self._crumb_item[0]:
            self.crumbs[-1].append((self._crumb_item[0], self._crumb_item[1], self._crumb_item[2].strip()))
            self._crumb_item = None
        elif tag == "tbody":
            self._tbody = False
        elif tag == "table" and self._table_depth:
            self._table_depth -= 1
        if self._empty is not None and tag == self._empty_tag:
            self._empty_depth -= 1
            if not self._empty_depth:
                self.empties.append((" ".join(self._empty[0].split()), self._empty[1]))
                self._empty = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._h1 is not None:
            self._h1.append(data)
        if self._crumb_item is not None:
            self._crumb_item[2] += data
        elif self._crumb_nav and data.strip() not in ("", "›"):
            self.crumbs[-1].append(("text", None, data.strip()))
        if self._empty is not None:
            self._empty[0] += data


def _read(response) -> Chrome:
    page = Chrome()
    page.feed(response.content.decode())
    return page


def chrome_problems(response) -> list[str]:
    """What is missing from the page: its one h1, a title naming it, the breadcrumb, a row in every table."""
    page = _read(response)
    problems = []
    if len(page.h1s) != 1 or not page.h1s[0]:
        problems.append(f"h1: {page.h1s}")
    title = " ".join(page.title.split())
    first = title.split(" · ")[0]
    if not first or first == SITE_NAME:
        problems.append(f"title does not name the page: {title!r}")
    if len(page.crumbs) != 1:
        problems.append(f"breadcrumb navs: {len(page.crumbs)}")
        return problems
    items = page.crumbs[0]
    home = reverse("home")
    if response.request["PATH_INFO"] == home:
        if [(tag, text) for tag, _href, text in items] != [("span", "首页")]:
            problems.append(f"home page breadcrumb: {items}")
        return problems
    if len(items) < 2:
        problems.append(f"breadcrumb too short: {items}")
        return problems
    if items[0][:2] != ("a", home) or items[0][2] != "首页":
        problems.append(f"breadcrumb does not start at 首页: {items[0]}")
    if any(tag != "a" or not href for tag, href, _text in items[1:-1]):
        problems.append(f"breadcrumb parents must be links: {items}")
    tag, _href, text = items[-1]
    if tag != "span" or not text:
        problems.append(f"breadcrumb's last item must name the page, not link: {items[-1]}")
    elif text not in title:
        problems.append(f"title {title!r} does not name the page of the breadcrumb {text!r}")
    if any(rows == 0 for rows in page.tables):
        problems.append(f"a table with nothing in its body (rows per table: {page.tables})")
    return problems


def _client(user) -> Client:
    client = Client()
    assert client.login(request=login_request(), username=user.username, password=STRONG_PASSWORD)
    return client


def _pages() -> list[tuple[str, str]]:
    """(route, URL name) of every HTML page pattern, admin and API excluded."""
    pages = []
    for route, name in _patterns(get_resolver()):
        if name is None or name.startswith("admin:") or name in NOT_PAGES:
            continue
        if route.startswith(("api/", settings.ADMIN_URL.lstrip("/"))) or route.endswith(DOWNLOAD_SUFFIXES):
            continue
        pages.append((route, name))
    return pages


def _get(client, path):
    """The page at `path`, redirects followed (the dashboard sends a clerk to the township's page)."""
    return client.get(path, follow=True)


def test_every_page_without_parameters_has_title_breadcrumb_and_empty_states(request, reference_data):
    users = {role: request.getfixturevalue(fixture) for role, fixture in ROLES.items()}
    opened: dict[str, set[str]] = {}
    problems: dict[tuple[str, str], list[str]] = {}
    for role, user in users.items():
        client = _client(user)
        for route, name in _pages():
            if "<" in route:
                continue
            response = _get(client, "/" + route)
            if response.status_code == 405:  # a POST-only door, no page
                continue
            assert response.status_code in (200, 403, 404), (role, name, response.status_code)
            assert response["Content-Type"].startswith("text/html"), (role, name)
            if response.status_code == 200:
                opened.setdefault(name, set()).add(role)
            found = chrome_problems(response)
            found += _empty_state_problems(response, resolve(response.request["PATH_INFO"]).view_name, role)
            if found:
                problems[(role, name)] = found
    assert not problems, "\n".join(f"{role} {name}: {p}" for (role, name), p in problems.items())
    never = [name for route, name in _pages() if "<" not in route and name not in opened]
    assert not never, f"pages no role could open: {never}"
    # The test really ran: each role opened its own pages.
    assert {"home", "password_change"} <= {n for n, roles in opened.items() if len(roles) == 4}
    assert "bureau" in opened["targets:audit"] and "clerk" in opened["assistance:worklist"]


def _empty_state_problems(response, name: str, role: str) -> list[str]:
    """The page's empty states must be the known ones for this page and role, with their link."""
    if response.status_code != 200:
        return []
    page = _read(response)
    expected = EMPTY_STATES.get(name, {}).get(role, [])
    shown = [text for text, _hrefs in page.empties]
    problems = []
    for text, link in expected:
        match = [hrefs for shown_text, hrefs in page.empties if text in shown_text]
        if not match:
            problems.append(f"empty state missing: {text!r} (shown: {shown})")
        elif link and not any(h and h.split("?")[0] == reverse(link) for hrefs in match for h in hrefs):
            problems.append(f"empty state {text!r} does not link to {link}")
    known = {text for text, _link in expected}
    unknown = [s for s in shown if not any(k in s for k in known)]
    if unknown:
        problems.append(f"empty states not in EMPTY_STATES (say what to do, then add them): {unknown}")
    return problems


# --- Pages of one object --------------------------------------------------------------------------------


def _objects(clerk, township, settings, tmp_path) -> dict:
    """One object of each kind a page takes an id of, in the clerk's township."""
    from assistance.tests.factories import CourseFactory
    from tests.security.conftest import _monitoring_rows, _subsidy_and_assistance_rows
    from workers.models import ImportBatch
    from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory

    worker = WorkerFactory(township=township, household=HouseholdFactory(township=township))
    job = EmploymentFactory(worker=worker, start_date=date(2026, 2, 1))
    rows = _subsidy_and_assistance_rows(worker, job, clerk, settings, tmp_path)
    rows.update(_monitoring_rows(worker, clerk))
    batch = {
        status: ImportBatch.objects.create(
            township=township,
            year=2026,
            quarter=1,
            file_name=f"{status}.xlsx",
            file_sha256=str(n) * 64,
            status=status,
            uploaded_by=clerk,
        )
        for n, status in enumerate((ImportBatch.Status.VALIDATED, ImportBatch.Status.IMPORTED))
    }
    return {
        **rows,
        "worker": worker,
        "employment": job,
        "batch": batch,
        "course": CourseFactory(township=township),
    }


def _mapping_batch(client):
    """A batch whose headers need mapping, through the upload page as a clerk makes one."""
    from workers.models import ImportBatch
    from workers.tests.test_return_preview import _office_rows, _upload, _xlsx, person

    _upload(client, _xlsx(_office_rows([person(1)])))
    return ImportBatch.objects.order_by("-pk").first()


def _object_pages(o: dict, mapping_batch) -> dict[str, str]:
    """URL name → the path of its page for the objects `o`."""
    from workers.models import ImportBatch

    validated = o["batch"][ImportBatch.Status.VALIDATED].pk
    return {
        "targets:township": reverse("targets:township", args=[o["worker"].township.code]),
        "reporting:quarter": reverse("reporting:quarter", args=[o["worker"].township.code])
        + "?year=2026&quarter=1",
        "targets:industry": reverse("targets:industry", args=[o["employment"].industry.code]),
        "workers:return_detail": reverse("workers:return_detail", args=[validated]),
        "workers:return_discard": reverse("workers:return_discard", args=[validated]),
        "workers:return_rollback": reverse(
            "workers:return_rollback", args=[o["batch"][ImportBatch.Status.IMPORTED].pk]
        ),
        "workers:return_columns": reverse("workers:return_columns", args=[mapping_batch.pk]),
        "subsidies:create": reverse("subsidies:create", args=["startup"]),
        "subsidies:detail": reverse("subsidies:detail", args=[o["application"].pk]),
        "subsidies:edit": reverse("subsidies:edit", args=[o["application"].pk]),
        "subsidies:move": reverse("subsidies:move", args=[o["application"].pk, "submit"]),
        "subsidies:attachment_delete": reverse("subsidies:attachment_delete", args=[o["attachment"].pk]),
        "assistance:person": reverse("assistance:person", args=[o["worker"].pk]),
        "assistance:enrolment_exit": reverse("assistance:enrolment_exit", args=[o["enrolment"].pk]),
        "assistance:service_delete": reverse("assistance:service_delete", args=[o["service"].pk]),
        "assistance:post_end": reverse("assistance:post_end", args=[o["post"].pk]),
        "assistance:course": reverse("assistance:course", args=[o["course"].pk]),
        "assistance:course_import": reverse("assistance:course_import", args=[o["course"].pk]),
        "monitoring:confirm": reverse("monitoring:confirm", args=[o["monitoring_pending"].pk]),
        "monitoring:report": reverse("monitoring:report", args=[o["monitoring_list"].pk]),
        **{
            f"monitoring:gap_{gap}": reverse(f"monitoring:gap_{gap}", args=[o["monitoring_list"].pk])
            for gap in ("no_job", "ended_recently", "outside", "households", "unknown_working")
        },
    }


#: Patterns with an id that only take a POST (no page of their own).
POST_ONLY = {
    "workers:return_confirm",
    "workers:return_retry",
    "subsidies:attachment_upload",
    "assistance:enrol",
    "assistance:service_add",
    "assistance:participant_update",
    "assistance:recognition_add",
    "assistance:intention_add",
    "assistance:health_check_add",
    "assistance:recognition_end",
    "assistance:follow_up_add",
}


def test_every_page_of_one_object_has_title_and_breadcrumb(request, township_a, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    users = {role: request.getfixturevalue(fixture) for role, fixture in ROLES.items()}
    clerk = _client(users["clerk"])
    paths = _object_pages(_objects(users["clerk"], township_a, settings, tmp_path), _mapping_batch(clerk))
    with_id = {name for route, name in _pages() if "<" in route}
    assert with_id - POST_ONLY - set(paths) == set(), "a page of one object: add it to _object_pages"
    opened: dict[str, set[str]] = {}
    problems = {}
    for role, user in users.items():
        client = clerk if role == "clerk" else _client(user)
        for name, path in paths.items():
            response = _get(client, path)
            assert response.status_code in (200, 403, 404), (role, name, response.status_code)
            if response.status_code == 200:
                opened.setdefault(name, set()).add(role)
            if found := chrome_problems(response):
                problems[(role, name)] = found
    assert not problems, "\n".join(f"{role} {name}: {p}" for (role, name), p in problems.items())
    assert set(paths) - set(opened) == set(), "pages no role could open: fix the objects of the test"
