import re

import pytest
from django.urls import reverse

from conftest import login_request

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body and "用户名" in body and 'lang="zh-hans"' in body


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_clerk_logs_in_and_lands_on_workbench(client, clerk_a):
    response = client.post(
        reverse("login"), {"username": "clerk_a", "password": "Test-Passw0rd-2025"}, follow=True
    )
    assert response.status_code == 200
    assert "登记人员与就业" in response.content.decode()


def test_wrong_password_message_in_chinese(client, clerk_a):
    response = client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    assert "用户名或密码错误" in response.content.decode()


def test_bureau_home_is_a_workbench_linking_every_bureau_page(login, bureau_user):
    """Issue 18, item 4: the bureau has a home of its own (it used to redirect to the dashboard), which
    says what needs doing and links the returns board, also from the navigation."""
    response = login(bureau_user).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>工作台 · " in body
    board = reverse("workers:returns_board")
    assert body.count(f'href="{board}"') == 2  # the navigation and the tile
    for name in ("targets:dashboard", "targets:briefing", "subsidies:review", "targets:audit", "admin:index"):
        assert f'href="{reverse(name)}"' in body, name
    assert "个镇乡街道滞后于时序进度" in body or "没有滞后于时序进度的镇乡街道" in body
    assert "季度报表" in body


def test_clerk_workbench_opens_the_person_form(login, clerk_a):
    """ "登记人员与就业" opens the add form of a person, not the admin's index."""
    body = login(clerk_a).get(reverse("home")).content.decode()
    add = reverse("admin:workers_worker_add")
    assert f'<a class="tile" href="{add}"><strong>登记人员与就业</strong>' in body
    assert f'href="{reverse("workers:return_list")}">季度报表</a>' in body  # the clerk's nav
    assert reverse("workers:returns_board") not in body  # the board is the bureau's


def test_clerk_admin_index_is_grouped_as_a_clerk_works(login, clerk_a):
    body = login(clerk_a).get(reverse("admin:index")).content.decode()
    captions = re.findall(r'<caption>\s*<span class="section">(.*?)</span>', body)
    assert captions == ["登记", "报表", "帮扶", "补贴"], captions
    for shown in ("农民工", "就业记录", "上传季度报表", "“1131”帮扶工作清单", "新建补贴申请"):
        assert f">{shown}</a>" in body, shown
    for hidden in ("镇乡街道年度目标", "行业年度目标", "补贴类别", "零工市场", "劳务品牌"):
        assert f">{hidden}</a>" not in body, hidden
    assert "万州区农民工就近就业目标管理系统" in body and "css/admin.css" in body  # the product's header


def test_bureau_admin_index_keeps_every_app(login, bureau_user):
    body = login(bureau_user).get(reverse("admin:index")).content.decode()
    assert '<caption>\n          <span class="section">登记</span>' not in body
    assert ">镇乡街道年度目标</a>" in body and ">季度锁定</a>" in body


def test_user_without_assignment_is_told(client, reference_data):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("nobody", password="Test-Passw0rd-2025")
    client.login(request=login_request(), username="nobody", password="Test-Passw0rd-2025")
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "尚未分配权限" in response.content.decode()


def test_dashboard_clerk_sees_own_target_only(login, clerk_a, clerk_b):
    client = login(clerk_a)
    response = client.get(reverse("targets:dashboard") + "?year=2025")
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2025")
    body = client.get(response["Location"]).content.decode()
    assert "甘宁镇" in body and "分水镇" not in body


def test_logout(login, clerk_a):
    client = login(clerk_a)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
