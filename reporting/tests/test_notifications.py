"""The inbox and its emails (issue 23, item 6): each event notifies once — the sweep run again, or by a beat
that restarted, adds nothing and emails nothing twice; email only to users who opted in."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reporting.models import Notification
from reporting.notifications import (
    DUE_SOON,
    OVERDUE,
    RETURNED,
    email_opt_set,
    notifications_sweep,
)
from reporting.services import (
    report_approve,
    report_exception_grant,
    report_get,
    report_return,
    report_submit,
)
from reporting.tasks import notifications_sweep as sweep_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def opted_in(clerk_a):
    clerk_a.email = "clerk_a@ganning.example"
    clerk_a.save()
    email_opt_set(user=clerk_a, email=True)
    return clerk_a


def test_return_approve_and_unlock_notify_the_townships_clerks(
    login, clerk_a, clerk_b, bureau_user, township_a
):
    report = report_get(township=township_a, year=2026, quarter=1)
    report_submit(acting_user=clerk_a, report=report)
    report_return(acting_user=bureau_user, report=report, reason="请补充单位名称")
    report_submit(acting_user=clerk_a, report=report)
    report_approve(acting_user=bureau_user, report=report)
    report_exception_grant(
        acting_user=bureau_user,
        report=report,
        clerk=clerk_a,
        until=timezone.localdate() + timedelta(days=1),
        reason="补录",
    )
    kinds = list(Notification.objects.filter(user=clerk_a).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["returned", "approved", "unlock"]
    assert Notification.objects.filter(user=clerk_a, kind="returned").get().title == RETURNED.format(
        township=township_a, year=2026, quarter=1, reason="请补充单位名称"
    )
    assert not Notification.objects.filter(user=clerk_b).exists()

    client = login(clerk_a)
    home = client.get(reverse("home")).content.decode()
    assert 'id="unread-count">3<' in home
    inbox = client.get(reverse("reporting:inbox")).content.decode()
    assert "请补充单位名称" in inbox
    client.post(reverse("reporting:inbox"), {"action": "read"})
    assert 'id="unread-count"' not in client.get(reverse("home")).content.decode()


def _deadline_notes(user):
    return Notification.objects.filter(user=user, kind__in=["due_soon", "overdue"])


def _mails(kind_label: str) -> list:
    return [m for m in mail.outbox if kind_label in m.subject]


def test_deadline_notices_once_and_emails_once_across_restarts(opted_in, clerk_b, township_a, township_b):
    # 2026 Q1's deadline is 2026-04-10. 分水镇 has submitted; 甘宁镇 has not. (On this empty ledger both are
    # also seriously lagging: that monthly notice comes once in April, emailed once.)
    report_submit(acting_user=clerk_b, report=report_get(township=township_b, year=2026, quarter=1))
    notifications_sweep(today=date(2026, 4, 6))  # four days ahead: no deadline notice yet
    assert not _deadline_notes(opted_in).exists()
    notifications_sweep(today=date(2026, 4, 7))
    due = _deadline_notes(opted_in).get()
    assert due.title == DUE_SOON.format(
        township=township_a, year=2026, quarter=1, deadline="2026-04-10", days=3
    )
    assert not _deadline_notes(clerk_b).exists()
    [sent] = _mails("报送截止临近")
    assert sent.to == ["clerk_a@ganning.example"] and due.title in sent.body
    emails = len(mail.outbox)

    # Beat restarts and runs again the same day and the next: nothing new, no second email.
    assert notifications_sweep(today=date(2026, 4, 7)) == 0
    assert notifications_sweep(today=date(2026, 4, 8)) == 0
    assert len(mail.outbox) == emails

    notifications_sweep(today=date(2026, 4, 11))
    overdue = Notification.objects.get(user=opted_in, kind="overdue")
    assert overdue.title == OVERDUE.format(
        township=township_a, year=2026, quarter=1, deadline="2026-04-10", days=-1
    )
    assert len(_mails("报送逾期")) == 1 and len(mail.outbox) == emails + 1
    notifications_sweep(today=date(2026, 4, 12))
    assert len(mail.outbox) == emails + 1
    assert Notification.objects.filter(user=opted_in, kind="overdue").count() == 1


def test_no_email_without_opt_in(clerk_a):
    clerk_a.email = "clerk_a@ganning.example"
    clerk_a.save()
    notifications_sweep(today=date(2026, 4, 7))
    assert Notification.objects.filter(user=clerk_a).exists() and mail.outbox == []


def test_unlock_expiring_is_told_on_its_last_day(bureau_user, clerk_a, township_a):
    report = report_get(township=township_a, year=2026, quarter=1)
    report_submit(acting_user=clerk_a, report=report)
    report_approve(acting_user=bureau_user, report=report)
    today = timezone.localdate()
    report_exception_grant(acting_user=bureau_user, report=report, clerk=clerk_a, until=today, reason="补录")
    sweep_task.delay()
    sweep_task.delay()
    assert Notification.objects.filter(user=clerk_a, kind="expiring").count() == 1


def test_the_lagging_notice_is_monthly(clerk_a, clerk_b):
    # On an empty ledger every township with a target is seriously behind time progress in June.
    notifications_sweep(today=date(2026, 6, 15))
    notifications_sweep(today=date(2026, 6, 20))
    assert Notification.objects.filter(user=clerk_a, kind="lagging").count() == 1
    notifications_sweep(today=date(2026, 7, 15))
    assert Notification.objects.filter(user=clerk_a, kind="lagging").count() == 2
    assert Notification.objects.filter(user=clerk_b, kind="lagging").count() == 2
