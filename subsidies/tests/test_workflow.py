"""The state machine: every allowed move, every forbidden one, four eyes, double approval, the log."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from subsidies import services
from subsidies.models import Application, ApplicationEvent, Payment, Status
from subsidies.services import TRANSITIONS, working_days_end

from .conftest import entrepreneur, startup_data

pytestmark = pytest.mark.django_db
Action = ApplicationEvent.Action


@pytest.fixture
def draft(kinds, clerk_a, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    return services.application_create(acting_user=clerk_a, data=startup_data(kinds, worker, job, 6000))


def to_status(application, status, *, clerk, township_reviewer, district_reviewer, payer):
    """Walk an application along the happy path until it reaches `status` (withdrawn: straight from draft)."""
    if status == Status.WITHDRAWN:
        services.application_withdraw(acting_user=clerk, application=application, reason="测试")
        application.refresh_from_db()
        return application
    steps = [
        (Status.SUBMITTED, lambda: services.application_submit(acting_user=clerk, application=application)),
        (
            Status.TOWNSHIP_APPROVED,
            lambda: services.application_township_approve(
                acting_user=township_reviewer, application=application
            ),
        ),
        (
            Status.DISTRICT_APPROVED,
            lambda: services.application_district_approve(
                acting_user=district_reviewer, application=application
            ),
        ),
        (
            Status.PUBLIC_NOTICE,
            lambda: services.application_notice_start(
                acting_user=district_reviewer,
                application=application,
                start=timezone.localdate() - timedelta(days=14),
            ),
        ),
        (
            Status.PAYABLE,
            lambda: services.application_notice_end(acting_user=district_reviewer, application=application),
        ),
        (
            Status.PAID,
            lambda: services.application_pay(
                acting_user=payer,
                application=application,
                paid_on=timezone.localdate(),
                voucher_no="PZ-2025-001",
            ),
        ),
    ]
    for reached, step in steps:
        if application.status == status:
            break
        step()
        application.refresh_from_db()
        assert application.status == reached
    application.refresh_from_db()
    assert application.status == status
    return application


@pytest.fixture
def crew(clerk_a, clerk_a2, reviewer_user, reviewer2):
    return {
        "clerk": clerk_a,
        "township_reviewer": clerk_a2,
        "district_reviewer": reviewer_user,
        "payer": reviewer2,
    }


def test_draft_to_paid_with_the_right_people_and_a_complete_log(draft, crew):
    paid = to_status(draft, Status.PAID, **crew)
    assert paid.amount_approved == Decimal("6000")
    payment = Payment.objects.get(application=paid)
    assert (payment.amount, payment.voucher_no, payment.recorded_by) == (
        Decimal("6000"),
        "PZ-2025-001",
        crew["payer"],
    )
    log = list(paid.events.values_list("action", "from_status", "to_status", "user__username"))
    assert log == [
        (Action.CREATE, "", Status.DRAFT, "clerk_a"),
        (Action.SUBMIT, Status.DRAFT, Status.SUBMITTED, "clerk_a"),
        (Action.TOWNSHIP_APPROVE, Status.SUBMITTED, Status.TOWNSHIP_APPROVED, "clerk_a2"),
        (Action.DISTRICT_APPROVE, Status.TOWNSHIP_APPROVED, Status.DISTRICT_APPROVED, "reviewer"),
        (Action.NOTICE_START, Status.DISTRICT_APPROVED, Status.PUBLIC_NOTICE, "reviewer"),
        (Action.NOTICE_END, Status.PUBLIC_NOTICE, Status.PAYABLE, "reviewer"),
        (Action.PAY, Status.PAYABLE, Status.PAID, "reviewer2"),
    ]
    assert all(event.at for event in paid.events.all())


def _call(action, application, user):
    kwargs = {"acting_user": user, "application": application}
    if action in (Action.REJECT, Action.WITHDRAW):
        kwargs["reason"] = "材料不全"
    if action == Action.PAY:
        kwargs.update(paid_on=timezone.localdate(), voucher_no=f"PZ-{application.pk}-X")
    return services.TRANSITION_SERVICES[action](**kwargs)


ALL_STATUSES = [s for s in Status]


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_move_from_every_status(draft, crew, bureau_user, reviewer3, action, status):
    application = to_status(draft, status, **crew)
    allowed, target = TRANSITIONS[action]
    before = (application.status, application.events.count())
    # A user who may make the move as far as role and four eyes go: bureau staff did none of the steps.
    if status in allowed:
        if action == Action.NOTICE_END:
            Application.objects.filter(pk=application.pk).update(
                notice_end=timezone.localdate() - timedelta(days=1)
            )
            application.refresh_from_db()
        _call(action, application, bureau_user)
        application.refresh_from_db()
        assert application.status == target
        last = application.events.last()
        assert (last.action, last.from_status, last.to_status, last.user) == (
            action,
            status,
            target,
            bureau_user,
        )
    else:
        with pytest.raises(ValidationError) as info:
            _call(action, application, bureau_user)
        assert "当前状态为" in info.value.messages[0]
        application.refresh_from_db()
        assert (application.status, application.events.count()) == before


def test_submitter_cannot_approve_own_submission(draft, clerk_a, bureau_user):
    services.application_submit(acting_user=clerk_a, application=draft)
    with pytest.raises(PermissionDenied) as info:
        services.application_township_approve(acting_user=clerk_a, application=draft)
    assert str(info.value) == "不能审核自己提交的申请（四眼原则），请由另一位工作人员办理。"
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_bureau_submitter_cannot_approve_at_district_level_either(
    kinds, bureau_user, clerk_a2, household_a, township_a
):
    worker, job = entrepreneur(township_a, household_a)
    application = services.application_create(
        acting_user=bureau_user, data=startup_data(kinds, worker, job, 100)
    )
    services.application_submit(acting_user=bureau_user, application=application)
    services.application_township_approve(acting_user=clerk_a2, application=application)
    with pytest.raises(PermissionDenied, match="不能审核自己提交的申请"):
        services.application_district_approve(acting_user=bureau_user, application=application)


def test_reviewer_cannot_approve_own_township_review(draft, clerk_a, reviewer_user):
    services.application_submit(acting_user=clerk_a, application=draft)
    services.application_township_approve(acting_user=reviewer_user, application=draft)
    with pytest.raises(PermissionDenied) as info:
        services.application_district_approve(acting_user=reviewer_user, application=draft)
    assert str(info.value) == "您已办理该申请的镇街初审，区级审核须由另一位工作人员办理（四眼原则）。"
    draft.refresh_from_db()
    assert draft.status == Status.TOWNSHIP_APPROVED and draft.amount_approved is None


def test_district_approver_cannot_record_the_payment(draft, crew):
    application = to_status(draft, Status.PAYABLE, **crew)
    with pytest.raises(PermissionDenied, match="发放须由另一位工作人员登记"):
        services.application_pay(
            acting_user=crew["district_reviewer"],
            application=application,
            paid_on=timezone.localdate(),
            voucher_no="P1",
        )
    assert not Payment.objects.exists()


def test_nothing_is_approved_twice(draft, crew, reviewer2):
    to_status(draft, Status.DISTRICT_APPROVED, **crew)
    with pytest.raises(ValidationError) as info:
        services.application_district_approve(acting_user=reviewer2, application=draft)
    assert info.value.messages == ["该申请当前状态为“区级审核通过”，不能区级审核。"]
    assert draft.events.filter(action=Action.DISTRICT_APPROVE).count() == 1


def test_clerk_cannot_make_district_moves(draft, crew, clerk_a2):
    to_status(draft, Status.TOWNSHIP_APPROVED, **crew)
    with pytest.raises(PermissionDenied, match="您的账号不能区级审核"):
        services.application_district_approve(acting_user=clerk_a2, application=draft)


def test_other_township_clerk_cannot_act(draft, clerk_a, clerk_b):
    with pytest.raises(PermissionDenied):
        services.application_submit(acting_user=clerk_b, application=draft)
    services.application_submit(acting_user=clerk_a, application=draft)
    with pytest.raises(PermissionDenied):
        services.application_township_approve(acting_user=clerk_b, application=draft)
    with pytest.raises(PermissionDenied):
        services.application_withdraw(acting_user=clerk_b, application=draft, reason="x")
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_reject_needs_a_reason_and_returns_to_draft(draft, crew):
    to_status(draft, Status.TOWNSHIP_APPROVED, **crew)
    with pytest.raises(ValidationError) as info:
        services.application_reject(acting_user=crew["district_reviewer"], application=draft, reason=" ")
    assert info.value.message_dict == {"reason": ["请填写驳回原因。"]}
    services.application_reject(
        acting_user=crew["district_reviewer"], application=draft, reason="缺少营业执照"
    )
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.rejection_reason == "缺少营业执照"
    assert draft.township_reviewed_by is None and draft.submitted_by is None
    # Corrected and submitted again, it goes the whole way.
    to_status(draft, Status.DISTRICT_APPROVED, **crew)


def test_objection_during_notice_rejects_and_releases_the_amount(draft, crew):
    to_status(draft, Status.PUBLIC_NOTICE, **crew)
    services.application_reject(acting_user=crew["payer"], application=draft, reason="公示期间收到异议")
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.amount_approved is None and draft.notice_end is None


def test_notice_lasts_five_working_days(draft, crew):
    to_status(draft, Status.DISTRICT_APPROVED, **crew)
    monday = date(2025, 9, 1)
    services.application_notice_start(acting_user=crew["district_reviewer"], application=draft, start=monday)
    draft.refresh_from_db()
    assert (draft.notice_start, draft.notice_end) == (monday, date(2025, 9, 5))
    with pytest.raises(ValidationError) as info:
        services.application_notice_end(
            acting_user=crew["district_reviewer"], application=draft, today=date(2025, 9, 5)
        )
    assert info.value.messages == ["公示期至 2025-09-05 截止，期满后才能转为待发放。"]
    services.application_notice_end(
        acting_user=crew["district_reviewer"], application=draft, today=date(2025, 9, 6)
    )
    draft.refresh_from_db()
    assert draft.status == Status.PAYABLE


def test_working_days_skip_weekends():
    assert working_days_end(date(2025, 9, 5), 5) == date(2025, 9, 11)  # Friday → next Thursday
    assert working_days_end(date(2025, 9, 6), 5) == date(2025, 9, 12)  # Saturday starts on Monday


def test_clerk_cannot_withdraw_after_district_approval_but_bureau_can(draft, crew, bureau_user):
    to_status(draft, Status.DISTRICT_APPROVED, **crew)
    with pytest.raises(ValidationError, match="不能撤销"):
        services.application_withdraw(acting_user=crew["clerk"], application=draft, reason="放弃")
    services.application_withdraw(acting_user=bureau_user, application=draft, reason="放弃")
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN


def test_payment_voucher_is_unique_and_date_checked(kinds, draft, crew, household_a, township_a):
    to_status(draft, Status.PAID, **crew)
    worker, job = entrepreneur(township_a, household_a)
    other = services.application_create(
        acting_user=crew["clerk"], data=startup_data(kinds, worker, job, 1000)
    )
    to_status(other, Status.PAYABLE, **crew)
    with pytest.raises(ValidationError) as info:
        services.application_pay(
            acting_user=crew["payer"],
            application=other,
            paid_on=timezone.localdate(),
            voucher_no="PZ-2025-001",
        )
    assert info.value.message_dict == {"voucher_no": ["凭证号 PZ-2025-001 已用于另一笔发放，请核对。"]}
    with pytest.raises(ValidationError) as info:
        services.application_pay(
            acting_user=crew["payer"],
            application=other,
            paid_on=timezone.localdate() + timedelta(days=1),
            voucher_no="N",
        )
    assert "发放日期不能晚于今天" in info.value.message_dict["paid_on"][0]
    other.refresh_from_db()
    assert other.status == Status.PAYABLE and Payment.objects.count() == 1


def test_approved_amount_within_requested(draft, crew):
    to_status(draft, Status.TOWNSHIP_APPROVED, **crew)
    with pytest.raises(ValidationError) as info:
        services.application_district_approve(
            acting_user=crew["district_reviewer"], application=draft, amount=6001
        )
    assert info.value.messages == ["核定金额必须大于 0 元且不超过申请金额 6,000 元。"]
    services.application_district_approve(
        acting_user=crew["district_reviewer"], application=draft, amount=4500
    )
    draft.refresh_from_db()
    assert draft.amount_approved == Decimal("4500")


def test_only_drafts_can_be_edited(kinds, draft, crew, household_a, township_a):
    to_status(draft, Status.SUBMITTED, **crew)
    worker, job = entrepreneur(township_a, household_a)
    with pytest.raises(ValidationError, match="不能修改"):
        services.application_update(
            acting_user=crew["clerk"], application=draft, data=startup_data(kinds, worker, job, 1)
        )
    draft.refresh_from_db()
    assert draft.amount_requested == Decimal("6000")
