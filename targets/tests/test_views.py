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


def test_bureau_goes_to_dashboard(login, bureau_user):
    response = login(bureau_user).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("targets:dashboard")


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
