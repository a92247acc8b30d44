"""Public-welfare posts (公益性岗位, issue 9): placing a worker in a post and ending the placement. One person
never holds two posts on the same day; the worker row is locked before the overlap check, so two clerks
placing the same person at the same moment cannot both succeed.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.scoping import ensure_township_writable
from workers.models import Worker

from ..models import PostKind, PublicWelfarePost
from ._common import DATE_IN_FUTURE, _locked_worker, _not_future, _text, _today

POST_KIND_INVALID = _("请选择公益性岗位类别。")
POST_OTHER_NEEDS_TITLE = _("岗位类别为“其他”时，请填写岗位名称。")
POST_END_BEFORE_START = _("离岗日期不能早于上岗日期。")
POST_SUBSIDY_NEGATIVE = _("月岗位补贴不能为负数。")
POST_OVERLAP = _("此人在 {start} 至 {end} 已在公益性岗位（{kind}），同一人不能同时在两个公益性岗位。")
POST_ALREADY_ENDED = _("该岗位已于 {end} 离岗。")


def _overlapping_posts(worker: Worker, start: date, end: date | None, exclude_pk: int | None = None):
    """Posts of the worker whose period shares at least one day with [start, end] (end None: open)."""
    posts = PublicWelfarePost.objects.filter(worker=worker).exclude(end_date__lt=start)
    if end is not None:
        posts = posts.filter(start_date__lte=end)
    if exclude_pk is not None:
        posts = posts.exclude(pk=exclude_pk)
    return posts.order_by("start_date")


def _overlap_error(post: PublicWelfarePost) -> ValidationError:
    return ValidationError(
        POST_OVERLAP.format(
            start=post.start_date, end=post.end_date or _("至今"), kind=post.get_kind_display()
        ),
        code="overlap",
    )


@transaction.atomic
def post_assign(
    *,
    acting_user,
    worker: Worker,
    kind: str,
    start_date: date,
    monthly_subsidy: Decimal,
    title: str = "",
    employer_name: str = "",
    end_date: date | None = None,
) -> PublicWelfarePost:
    """Place a worker in a public-welfare post. One person never holds two posts on the same day."""
    worker = _locked_worker(worker)
    ensure_township_writable(acting_user, worker.township_id)
    errors: dict[str, list] = {}
    if kind not in PostKind.values:
        errors.setdefault("kind", []).append(POST_KIND_INVALID)
    title = _text(title, label=_("岗位名称"), max_length=100, field="title")
    employer_name = _text(employer_name, label=_("用工单位"), max_length=200, field="employer_name")
    if kind == PostKind.OTHER and not title:
        errors.setdefault("title", []).append(POST_OTHER_NEEDS_TITLE)
    if monthly_subsidy is None or monthly_subsidy < 0:
        errors.setdefault("monthly_subsidy", []).append(POST_SUBSIDY_NEGATIVE)
    if start_date > _today():
        errors.setdefault("start_date", []).append(DATE_IN_FUTURE.format(label=_("上岗日期")))
    if end_date is not None and end_date < start_date:
        errors.setdefault("end_date", []).append(POST_END_BEFORE_START)
    elif end_date is not None and end_date > _today():
        errors.setdefault("end_date", []).append(DATE_IN_FUTURE.format(label=_("离岗日期")))
    if errors:
        raise ValidationError(errors)
    clash = _overlapping_posts(worker, start_date, end_date).first()
    if clash is not None:
        raise _overlap_error(clash)
    return PublicWelfarePost.objects.create(
        worker=worker,
        kind=kind,
        title=title,
        employer_name=employer_name,
        start_date=start_date,
        end_date=end_date,
        monthly_subsidy=monthly_subsidy,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def post_end(*, acting_user, post: PublicWelfarePost, end_date: date, reason: str = "") -> PublicWelfarePost:
    """The holder leaves the post (退岗转岗: the city document asks for exits, not lifetime posts)."""
    locked = PublicWelfarePost.objects.select_for_update().select_related("worker").get(pk=post.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    if locked.end_date is not None:
        raise ValidationError(POST_ALREADY_ENDED.format(end=locked.end_date), code="ended")
    if end_date < locked.start_date:
        raise ValidationError({"end_date": POST_END_BEFORE_START})
    _not_future(end_date, label=_("离岗日期"), field="end_date")
    locked.end_date = end_date
    locked.end_reason = _text(reason, label=_("离岗原因"), max_length=200, field="end_reason")
    locked.save()
    return locked
