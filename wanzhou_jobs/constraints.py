"""Every database constraint has a Chinese message shown next to the field it concerns (issue 18, item 2).

Django shows a violated constraint as "约束 “employment_end_after_start” 是无效的" at the top of the form.
Models with constraints take `ConstraintMessages` as their first base: the check is Django's own
(`constraint.validate`), the message and the field it is shown at come from `MESSAGES`, keyed by the
constraint's name. `wanzhou_jobs/tests/test_constraints.py` walks every constraint of every model and fails
on one without a message here. Services check the same rules first with their own, often more specific,
messages; these are what a form shows when a rule is only met at the database's door.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router
from django.utils.translation import gettext_lazy as _

#: constraint name → (field the message belongs to, message)
MESSAGES = {
    # workers
    "worker_id_number_unique": ("id_number", _("该公民身份号码已经登记，不能重复登记。")),
    "worker_id_number_form": ("id_number", _("公民身份号码应为 18 位，最后一位可为 X。")),
    "worker_phone_form": ("phone", _("联系电话应为 11 位手机号码。")),
    "employer_credit_code_unique": ("credit_code", _("该统一社会信用代码已属于另一家单位。")),
    "employment_natural_key": ("start_date", _("此人在该日期于该单位的就业记录已经登记，不能重复登记。")),
    "employment_end_after_start": ("end_date", _("离职时间不能早于就业时间。")),
    "employment_income_not_negative": ("monthly_income", _("月收入不能为负数。")),
    "employment_workplace_township_iff_in_district": (
        "workplace_township",
        _("就业地点为万州区内时请选择所在镇乡街道；区外市内或市外时不填。"),
    ),
    "registration_worker_from": ("from_date", _("此人在该日期已有一次户籍登记。")),
    "registration_one_open": ("worker", _("此人只能有一个当前的户籍所在镇乡街道。")),
    "registration_until_after": ("until", _("户籍迁出日期必须晚于迁入日期。")),
    "column_mapping_once": ("headers_key", _("该镇乡街道已保存过这组表头的列对应。")),
    # targets
    "township_code_9_digits": ("code", _("区划代码应为 9 位数字。")),
    "township_target_once_a_year": ("township", _("该镇乡街道本年度的目标已经设置。")),
    "industry_target_once_a_year": ("industry", _("该行业本年度的目标已经设置。")),
    "key_task_target_once_a_year": ("indicator", _("该指标本年度的目标已经设置。")),
    "clerk_has_township": ("township", _("镇乡街道经办员必须指定所属镇乡街道。")),
    "quarter_locked_once": ("quarter", _("该季度已经锁定。")),
    "township_quarter_locked_once": ("quarter", _("该镇乡街道的这个季度已经锁定。")),
    "unlock_exception_one_open": ("quarter", _("该镇乡街道的这个季度已有未关闭的临时开放。")),
    # reporting
    "report_once_per_quarter": ("quarter", _("该镇乡街道本季度的报送已经存在。")),
    "deadline_once_per_quarter": ("quarter", _("该季度的报送截止日期已经设置。")),
    "notification_once_per_event": ("key", _("该消息已经发送给此用户。")),
    # assistance
    "enrolment_one_open_per_worker": ("worker", _("此人已有未退出的帮扶记录，请先办理退出。")),
    "enrolment_exit_after_entry": ("exit_date", _("退出日期不能早于纳入日期。")),
    "enrolment_exit_reason_iff_exit": (
        "exit_reason",
        _("填写退出日期时须选择退出原因；未退出时不填退出原因。"),
    ),
    "service_job_push_names_post": ("employer_name", _("岗位推送须填写推送单位和推送岗位。")),
    "service_natural_key": ("date", _("此人当天的同一项服务已经登记。")),
    "post_end_after_start": ("end_date", _("结束日期不能早于上岗日期。")),
    "post_subsidy_not_negative": ("monthly_subsidy", _("岗位补贴不能为负数。")),
    "post_other_kind_has_title": ("title", _("岗位类型为“其他”时请填写岗位名称。")),
    "course_end_after_start": ("end_date", _("结束日期不能早于开班日期。")),
    "participation_once_per_course": ("worker", _("此人已在该培训班中。")),
    "participation_certificate_needs_completion": ("certificate", _("结业后才能填写证书编号。")),
    "event_hires_le_attendees": ("hires", _("达成就业意向人数不能多于参会人数。")),
    "pension_tier_positive": ("lowest_tier", _("最低缴费档次标准应大于 0 元。")),
    "pension_dibao_share_from_70": (
        "dibao_percent",
        _("低保对象代缴比例不得低于最低缴费档次标准的 70%，也不能超过 100%。"),
    ),
    "intention_once_a_day": ("recorded_on", _("此人当天的就业意愿已经登记，请修改日期或次日再登记。")),
    "register_entry_once": ("name", _("该名册中已有同名登记。")),
    "health_check_once_a_day": ("date", _("此人当天的体检已经登记。")),
    "recognition_one_open_per_kind": ("kind", _("此人已有该类别的有效认定，请先终止原认定。")),
    "recognition_end_after_start": ("ended_on", _("终止日期不能早于认定日期。")),
    "recognition_grade_iff_disability": (
        "disability_grade",
        _("残疾人须填写残疾等级（一级至四级）；其他类别不填。"),
    ),
    "recognition_standard_iff_difficulty": (
        "standard",
        _("就业困难人员须对应当年的认定标准；其他类别不填。"),
    ),
    # monitoring
    "monitoring_list_one_per_date": ("list_date", _("该日期的监测名单已经导入。")),
    "monitoring_entry_once_per_list": ("id_number", _("同一公民身份号码在一份监测名单中只能出现一次。")),
    # subsidies
    "subsidy_kind_scope_fits_rule": ("cap_scope", _("该补贴种类的计算规则不允许这个上限计算范围。")),
    "subsidy_kind_year_once": ("year", _("该补贴本年度的标准已经设置。")),
    "subsidy_cap_not_negative": ("cap", _("补贴上限不能为负数。")),
    "subsidy_budget_not_negative": ("budget", _("年度预算不能为负数。")),
    "subsidy_interest_share_0_1": ("interest_share", _("贴息比例应在 0 到 1 之间。")),
    "subsidy_requested_positive": ("amount_requested", _("申请金额必须大于 0。")),
    "subsidy_approved_within_requested": ("amount_approved", _("核定金额必须大于 0，且不能超过申请金额。")),
    "subsidy_committed_has_amount": ("amount_approved", _("审核通过的申请必须填写核定金额。")),
    "subsidy_line_worker_once": ("worker", _("此人已在本申请的人员名单中。")),
    "subsidy_line_amount_positive": ("amount", _("金额必须大于 0。")),
    "subsidy_payment_positive": ("amount", _("发放金额必须大于 0。")),
}


class ConstraintMessages:
    """Model mixin: a violated constraint raises its message from `MESSAGES` at its field (or at the top
    of the form when the field is not on it), instead of Django's message naming the constraint."""

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, list] = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    field, message = MESSAGES.get(constraint.name, (None, None))
                    if message is None:
                        errors = exc.update_error_dict(errors)
                        continue
                    key = field if field and not (exclude and field in exclude) else NON_FIELD_ERRORS
                    errors.setdefault(key, []).append(ValidationError(message, code=constraint.name))
        if errors:
            raise ValidationError(errors)
