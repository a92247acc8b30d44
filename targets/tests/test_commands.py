import pytest
from django.core.management import CommandError, call_command

from targets.models import Role, StaffAssignment
from targets.services import CLERK_NEEDS_TOWNSHIP

pytestmark = pytest.mark.django_db


def test_create_clerk_by_name_and_code(reference_data):
    call_command("create_user", "c1", "--role", "clerk", "--township", "甘宁镇", "--password", "Aa-123456789")
    call_command("create_user", "c2", "--role", "clerk", "--township", "500101144000")
    assert StaffAssignment.objects.get(user__username="c1").township.name == "甘宁镇"
    a = StaffAssignment.objects.get(user__username="c2")
    assert a.township.name == "分水镇" and a.role == Role.CLERK
    assert list(a.user.groups.values_list("name", flat=True)) == ["镇乡街道经办员"]


def test_create_user_updates_existing(reference_data):
    call_command("create_user", "u", "--role", "clerk", "--township", "甘宁镇")
    call_command("create_user", "u", "--role", "industry", "--industry", "制造业", "--industry", "07")
    a = StaffAssignment.objects.get(user__username="u")
    assert a.role == Role.INDUSTRY and a.township is None
    assert sorted(a.industries.values_list("code", flat=True)) == ["02", "07"]
    assert list(a.user.groups.values_list("name", flat=True)) == ["行业主管部门"]


def test_clerk_without_township_is_refused(reference_data):
    with pytest.raises(CommandError) as exc:
        call_command("create_user", "c", "--role", "clerk")
    assert str(exc.value) == str(CLERK_NEEDS_TOWNSHIP)
    assert not StaffAssignment.objects.exists()


def test_unknown_township_is_refused(reference_data):
    with pytest.raises(CommandError, match="找不到镇乡街道“火星镇”"):
        call_command("create_user", "c", "--role", "clerk", "--township", "火星镇")


def test_weak_password_is_refused(reference_data):
    with pytest.raises(CommandError, match="密码"):
        call_command("create_user", "c", "--role", "bureau", "--password", "12345678")


def test_command_exits_nonzero_with_one_line(reference_data, tmp_path):
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [sys.executable, "manage.py", "create_user", "x", "--role", "clerk"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "SECRET_KEY": settings.SECRET_KEY,
        },
    )
    assert result.returncode != 0
    assert "--township" in result.stderr  # the command's own refusal, not the settings'
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
