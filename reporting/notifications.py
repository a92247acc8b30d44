"""The writes of the inbox (issue 23, item 6): notifications of the cycle's events, the daily sweep of beat
(deadline in 3 days, overdue, unlock expiring, the monthly notice to seriously lagging townships) and the
emails to users who opted in.

Idempotent by construction: a notification's `key` names its event and (user, key) is unique, so running the
sweep again — the next hour, or after beat restarts — creates nothing new; an email is sent only for a
notification whose `emailed_at` is empty, set in the same transaction as the sending.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import QuarterUnlockException, Role, StaffAssignment, Township
from targets.services import quarter_of

from .models import Notification, NotificationSetting, QuarterReport

Kind = Notification.Kind

DUE_SOON = _("{township}{year}年第{quarter}季度数据请于{deadline}前报送（还有{days}天）。")
OVERDUE = _("{township}{year}年第{quarter}季度数据已过报送截止日期（{deadline}），请尽快报送。")
RETURNED = _("{township}{year}年第{quarter}季度报送被退回：{reason}")
APPROVED = _("{township}{year}年第{quarter}季度报送已审核通过，该季度已锁定。")
UNLOCK_GRANTED = _("{township}{year}年第{quarter}季度已临时开放给您，至{until}：{reason}")
UNLOCK_EXPIRING = _("{township}{year}年第{quarter}季度的临时开放今天（{until}）到期，明天起恢复锁定。")
LAGGING = _(
    "{township}{year}年新增农民工就近就业完成{completion}，时序进度{time_progress}，属严重滞后，请加快推进。"
)
DUE_SOON_DAYS = 3


def clerks_of(township_id: int):
    return get_user_model().objects.filter(
        is_active=True,
        pk__in=StaffAssignment.objects.filter(role=Role.CLERK, township_id=township_id).values("user_id"),
    )


def notify(*, users, kind: str, key: str, title: str, url: str = "") -> int:
    """One notification per user for the event `key`; a user who has it already gets nothing new."""
    rows = [Notification(user=u, kind=kind, key=key[:80], title=str(title)[:300], url=url) for u in users]
    if not rows:
        return 0
    before = Notification.objects.filter(key=key[:80]).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return Notification.objects.filter(key=key[:80]).count() - before


def _quarter_url(township: Township, year: int, quarter: int) -> str:
    return f"{reverse('reporting:quarter', args=[township.code])}?year={year}&quarter={quarter}"


def notify_returned(*, report: QuarterReport, event) -> None:
    title = RETURNED.format(
        township=report.township, year=report.year, quarter=report.quarter, reason=event.note
    )
    notify(
        users=clerks_of(report.township_id),
        kind=Kind.RETURNED,
        key=f"returned:{event.pk}",
        title=title,
        url=_quarter_url(report.township, report.year, report.quarter),
    )


def notify_approved(*, report: QuarterReport, event) -> None:
    title = APPROVED.format(township=report.township, year=report.year, quarter=report.quarter)
    notify(
        users=clerks_of(report.township_id),
        kind=Kind.APPROVED,
        key=f"approved:{event.pk}",
        title=title,
        url=_quarter_url(report.township, report.year, report.quarter),
    )


def notify_unlock(*, exception: QuarterUnlockException) -> None:
    title = UNLOCK_GRANTED.format(
        township=exception.township,
        year=exception.year,
        quarter=exception.quarter,
        until=exception.until.isoformat(),
        reason=exception.reason,
    )
    notify(
        users=[exception.clerk],
        kind=Kind.UNLOCK_GRANTED,
        key=f"unlock:{exception.pk}",
        title=title,
        url=_quarter_url(exception.township, exception.year, exception.quarter),
    )


def _deadline_notices(today: date) -> int:
    """Deadline in 3 days or passed, for the last quarter that has ended (the one being reported now; older
    quarters are not nagged about), to the clerks of each township of annex 1 that has not submitted it."""
    from .selectors import deadlines

    year, quarter = quarter_of(today)
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    deadline = deadlines(year)[quarter]
    days = (deadline - today).days
    if days > DUE_SOON_DAYS:
        return 0
    kind, message = (Kind.DUE_SOON, DUE_SOON) if days >= 0 else (Kind.OVERDUE, OVERDUE)
    finished = QuarterReport.objects.filter(
        year=year, quarter=quarter, status__in=(QuarterReport.Status.SUBMITTED, QuarterReport.Status.APPROVED)
    ).values("township_id")
    created = 0
    for township in Township.objects.filter(in_plan=True).exclude(pk__in=finished):
        created += notify(
            users=clerks_of(township.pk),
            kind=kind,
            key=f"{kind}:{year}Q{quarter}:{township.code}",
            title=message.format(
                township=township, year=year, quarter=quarter, deadline=deadline.isoformat(), days=days
            ),
            url=_quarter_url(township, year, quarter),
        )
    return created


def _expiring_notices(today: date) -> int:
    created = 0
    for exception in QuarterUnlockException.objects.filter(
        closed_at__isnull=True, until=today
    ).select_related("township", "clerk"):
        created += notify(
            users=[exception.clerk],
            kind=Kind.UNLOCK_EXPIRING,
            key=f"expiring:{exception.pk}",
            title=UNLOCK_EXPIRING.format(
                township=exception.township,
                year=exception.year,
                quarter=exception.quarter,
                until=exception.until.isoformat(),
            ),
            url=_quarter_url(exception.township, exception.year, exception.quarter),
        )
    return created


def _lagging_notices(today: date) -> int:
    """Once a month, to the clerks of each township seriously lagging behind time progress (DESIGN.md §4.7)."""
    from targets.progress import progress_build
    from targets.selectors_dashboard import pct

    data = progress_build(year=today.year, as_of=today)
    created = 0
    townships = {t.code: t for t in Township.objects.all()}
    for row in data["townships"]:
        if not row.get("seriously_lagging"):
            continue
        township = townships[row["code"]]
        created += notify(
            users=clerks_of(township.pk),
            kind=Kind.LAGGING,
            key=f"lagging:{today:%Y-%m}:{township.code}",
            title=LAGGING.format(
                township=township,
                year=today.year,
                completion=pct(row["completion_rate"]),
                time_progress=pct(data["time_progress"]),
            ),
            url=reverse("targets:township", args=[township.code]),
        )
    return created


def notifications_sweep(*, today: date | None = None) -> int:
    """Beat's daily pass: create what is due today, then email it; returns the notifications created."""
    today = today or timezone.localdate()
    created = _deadline_notices(today) + _expiring_notices(today) + _lagging_notices(today)
    notifications_email()
    return created


def notifications_email() -> int:
    """Email every notification not emailed yet to users who opted in; each one once."""
    opted = NotificationSetting.objects.filter(email=True).values("user_id")
    sent = 0
    pending = Notification.objects.filter(emailed_at__isnull=True, user_id__in=opted).exclude(user__email="")
    for pk in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            note = (
                Notification.objects.select_for_update()
                .select_related("user")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if note is None:
                continue  # another sweep sent it meanwhile
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
            link = (
                f"{settings.SITE_URL.rstrip('/')}{note.url}" if settings.SITE_URL and note.url else note.url
            )
            send_mail(
                subject=f"[万州就近就业] {note.get_kind_display()}",
                message=f"{note.title}\n\n{link}".strip(),
                from_email=None,
                recipient_list=[note.user.email],
            )
            sent += 1
    return sent


def notification_read(*, user, pk: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


def email_opt_set(*, user, email: bool) -> NotificationSetting:
    row, _created = NotificationSetting.objects.update_or_create(user=user, defaults={"email": email})
    return row
