"""Input parsing for the assistance pages. Forms only parse; the rules are in `assistance.services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from targets.models import Township

from .models import (
    CourseKind,
    EnrolmentCategory,
    ExitReason,
    PostKind,
    RecognitionKind,
    RecruitmentEvent,
    ServiceKind,
    WorkWish,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnrolForm(forms.Form):
    category = forms.ChoiceField(label=_("帮扶类别"), choices=EnrolmentCategory.choices)
    entry_date = forms.DateField(label=_("纳入日期"), widget=DATE)
    entry_reason = forms.CharField(label=_("纳入原因"), max_length=200)


class ExitForm(forms.Form):
    exit_date = forms.DateField(label=_("退出日期"), widget=DATE)
    exit_reason = forms.ChoiceField(
        label=_("退出原因"),
        choices=[(v, label) for v, label in ExitReason.choices if v != ExitReason.MONITORING_REMOVED],
    )
    exit_note = forms.CharField(label=_("退出说明"), max_length=200, required=False)
    follow_up_months = forms.IntegerField(
        label=_("退出后跟踪服务期限（月）"),
        min_value=0,
        max_value=36,
        required=False,
        help_text=_("默认 12 个月；填 0 表示不跟踪"),
    )


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("服务类型"), choices=ServiceKind.choices)
    date = forms.DateField(label=_("服务日期"), widget=DATE)
    provided_by = forms.CharField(label=_("服务人员"), max_length=50)
    employer_name = forms.CharField(label=_("推送岗位单位（岗位推送必填）"), max_length=200, required=False)
    post_name = forms.CharField(label=_("推送岗位（岗位推送必填）"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class PostForm(forms.Form):
    id_number = forms.CharField(label=_("公民身份号码（台账中的人员）"), max_length=20)
    kind = forms.ChoiceField(label=_("岗位类别"), choices=PostKind.choices)
    title = forms.CharField(label=_("岗位名称（类别为其他时必填）"), max_length=100, required=False)
    employer_name = forms.CharField(label=_("用工单位"), max_length=200, required=False)
    start_date = forms.DateField(label=_("上岗日期"), widget=DATE)
    end_date = forms.DateField(label=_("离岗日期"), widget=DATE, required=False)
    monthly_subsidy = forms.DecimalField(
        label=_("月岗位补贴（元）"), max_digits=8, decimal_places=2, min_value=0
    )


class PostEndForm(forms.Form):
    end_date = forms.DateField(label=_("离岗日期"), widget=DATE)
    reason = forms.CharField(label=_("离岗原因"), max_length=200, required=False)


class CourseForm(forms.Form):
    name = forms.CharField(label=_("培训名称"), max_length=120)
    kind = forms.ChoiceField(label=_("培训类别"), choices=CourseKind.choices)
    provider = forms.CharField(label=_("培训机构"), max_length=120)
    start_date = forms.DateField(label=_("开班日期"), widget=DATE)
    end_date = forms.DateField(label=_("结业日期"), widget=DATE)
    township = forms.ModelChoiceField(
        label=_("举办镇乡街道（留空为区级）"), queryset=Township.objects.none(), required=False
    )

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships if townships is not None else Township.objects.none()


class ParticipantForm(forms.Form):
    id_number = forms.CharField(label=_("公民身份号码（台账中的人员）"), max_length=20)
    completed = forms.BooleanField(label=_("已结业"), required=False)
    certificate = forms.CharField(label=_("证书"), max_length=100, required=False)


class EventForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=120)
    date = forms.DateField(label=_("活动日期"), widget=DATE)
    mode = forms.ChoiceField(label=_("形式"), choices=RecruitmentEvent.Mode.choices)
    organiser = forms.CharField(label=_("主办单位"), max_length=120)
    township = forms.ModelChoiceField(
        label=_("举办镇乡街道（留空为区级）"), queryset=Township.objects.none(), required=False
    )
    employers = forms.IntegerField(label=_("参会单位数"), min_value=0, initial=0)
    posts_offered = forms.IntegerField(label=_("提供岗位数"), min_value=0, initial=0)
    attendees = forms.IntegerField(label=_("参会人数"), min_value=0, initial=0)
    hires = forms.IntegerField(label=_("达成就业意向人数"), min_value=0, initial=0)

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships if townships is not None else Township.objects.none()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _("请上传 .xlsx 格式的文件（旧版 .xls 请在 Excel 或 WPS 中另存为 .xlsx）。")
            )
        return upload


def apply_errors(form: forms.Form, exc) -> None:
    """Show a service's ValidationError on the form: field messages at their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class RecognitionForm(forms.Form):
    kind = forms.ChoiceField(label=_("认定类别"), choices=RecognitionKind.choices)
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级（残疾人必填）"),
        choices=[("", "—"), (1, _("一级")), (2, _("二级")), (3, _("三级")), (4, _("四级"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    recognised_on = forms.DateField(label=_("认定日期"), widget=DATE)
    basis = forms.CharField(label=_("认定依据"), max_length=200)


class RecognitionEndForm(forms.Form):
    ended_on = forms.DateField(label=_("终止日期"), widget=DATE)


class FollowUpForm(forms.Form):
    date = forms.DateField(label=_("跟踪日期"), widget=DATE)
    note = forms.CharField(label=_("跟踪情况"), max_length=200)


class IntentionForm(forms.Form):
    recorded_on = forms.DateField(label=_("登记日期"), widget=DATE)
    wants_work = forms.ChoiceField(label=_("就业意愿"), choices=WorkWish.choices)
    job_intention = forms.CharField(label=_("求职意向（工种、行业或地点）"), max_length=100, required=False)


class HealthCheckForm(forms.Form):
    date = forms.DateField(label=_("体检日期"), widget=DATE)
    provider = forms.CharField(label=_("体检机构"), max_length=100)
