"""The password rules in Chinese on the Chinese password change page (issue 16 §7): every validator's
message and help text, none of the English of Django's validators."""

import re

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.urls import reverse

from conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _refused(client, password: str) -> list[str]:
    response = client.post(
        reverse("password_change"),
        {"old_password": STRONG_PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200  # the form again, not a redirect: the password was refused
    messages = response.context["form"].errors["new_password2"]
    body = response.content.decode()
    for message in messages:
        assert message in body
    return messages


@pytest.mark.parametrize(
    "password, messages",
    [
        ("Ab1-", ["密码太短，至少需要 10 个字符。"]),
        (
            "1234567890",
            [
                "这个密码太常见了。",
                "密码不能全是数字。",
                "密码至少要包含以下四类字符中的三类：大写字母、小写字母、数字、符号。",
            ],
        ),
        ("Clerk_a-2025", ["密码与用户名过于相似。"]),
    ],
)
def test_password_change_page_refuses_in_chinese(login, clerk_a, password, messages):
    assert _refused(login(clerk_a), password) == messages
    assert not LATIN_WORD.search("".join(messages)), messages


def test_password_help_texts_are_chinese(login, clerk_a):
    texts = password_validators_help_texts()
    assert texts == [
        "密码不能与您的其他个人信息过于相似。",
        "密码至少需要 10 个字符。",
        "密码不能是常用密码。",
        "密码不能全是数字。",
        "密码至少要包含以下四类字符中的三类：大写字母、小写字母、数字、符号。",
    ]
    # The form's help text (the admin shows it under the field) is the same list.
    form = login(clerk_a).get(reverse("password_change")).context["form"]
    help_text = re.sub(r"<[^>]+>", "", str(form.fields["new_password1"].help_text))
    assert not LATIN_WORD.search(help_text), help_text
