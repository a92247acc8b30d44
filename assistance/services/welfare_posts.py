"""Public-welfare posts (公益性岗位, issue 9): placing a worker in a post and ending the placement. One person
never holds two posts on the same day; the worker row is locked before the overlap check, so two clerks
placing the same person at the same moment cannot both succeed.

A post is work (DESIGN.md §4.2, issue 19): placing someone records — or links, when the ledger already has
it — an employment of form 公益性岗位 with the post's dates (in the district, in the person's township, in
其他行业), through `workers.services.employment_record`, so every rule sees it (rule 4.6, the household rule,
and new nearby employment in its start year); ending the post ends that job (`employment_end`). Both are held
to the job's rules, a locked quarter included.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.models import Industry
from targets.scoping import ensure_township_writable
from workers.models import Employment, EmploymentForm, Source, Worker, Workplace
from workers.services import EmploymentData, employment_end, employment_record

from ..models import PostKind, PublicWelfarePost
from ._common import DATE_IN_FUTURE, _locked_worker, _not_future, _text, _today

POST_KIND_INVALID = _("请选择公益性岗位类别。")
POST_OTHER_NEEDS_TITLE = _("岗位类别为“其他”时，请填写岗位名称。")
POST_END_BEFORE_START = _("离岗日期不能早于上岗日期。")
POST_SUBSIDY_NEGATIVE = _("月岗位补贴不能为负数。")
POST_OVERLAP = _("此人在 {start} 至 {end} 已在公益性岗位（{kind}），同一人不能同时在两个公益性岗位。")
POST_ALREADY_ENDED = _("该岗位已于 {end} 离岗。")
POST_EMPLOYER_DEFAULT = _("公益性岗位")
POST_CHANNEL = _("公益性岗位")
#: 其他行业: the posts (public facilities, information officers, care for the elderly and disabled) are public
#: administration and social work, sectors annex 2 does not name.
POST_INDUSTRY_CODE = "99"


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
    post = PublicWelfarePost(
        worker=worker,
        kind=kind,
        title=title,
        employer_name=employer_name,
        start_date=start_date,
        end_date=end_date,
        monthly_subsidy=monthly_subsidy,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    post.employment = _post_employment(acting_user=acting_user, post=post)
    post.save()
    return post


def post_employment_data(post: PublicWelfarePost) -> EmploymentData:
    """The employment a post is (DESIGN.md §4.2)."""
    return EmploymentData(
        employer_name=post.employer_name or str(POST_EMPLOYER_DEFAULT),
        industry=Industry.objects.get(code=POST_INDUSTRY_CODE),
        workplace=Workplace.IN_DISTRICT,
        workplace_township=post.worker.township,
        form=EmploymentForm.PUBLIC_WELFARE,
        start_date=post.start_date,
        end_date=post.end_date,
        channel=str(POST_CHANNEL),
        monthly_income=post.monthly_subsidy,
    )


def _post_employment(*, acting_user, post: PublicWelfarePost) -> Employment:
    """The post's job: a 公益性岗位 job of the person starting that day already in the ledger (an imported
    return, say) and not yet linked to a post, or a new one."""
    known = (
        Employment.objects.filter(
            worker=post.worker, form=EmploymentForm.PUBLIC_WELFARE, start_date=post.start_date
        )
        .filter(welfare_post__isnull=True)
        .order_by("id")
        .first()
    )
    if known is not None:
        if post.end_date is not None and known.end_date != post.end_date:
            known = employment_end(acting_user=acting_user, employment=known, end_date=post.end_date)
        return known
    return employment_record(
        acting_user=acting_user, worker=post.worker, data=post_employment_data(post), source=Source.FORM
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
    if locked.employment_id is not None:
        employment_end(acting_user=acting_user, employment=locked.employment, end_date=end_date)
    return locked
