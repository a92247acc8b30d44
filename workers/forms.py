"""Forms of the ledger's data entry. They parse and show errors; the rules are the services' check functions."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from targets.services import ensure_quarter_open

from .models import Employer, Employment, Household, Worker, Workplace
from .names import NAME_MAX_LENGTH, check_name
from .services import (
    STALE_VERSION,
    EmploymentData,
    employer_key,
    employment_check,
    worker_check_new_id,
)
from .validators import id_number_info, normalise_credit_code, normalise_id_number, normalise_phone

EMPLOYER_MISSING = _("请选择就业单位，或在“新单位名称”中填写。")


class WorkerAdminForm(forms.ModelForm):
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Worker
        fields = [
            "id_number",
            "name",
            "phone",
            "township",
            "village",
            "household",
            "is_poverty_alleviated",
            "is_monitored",
            "is_continued_support",
            "is_relocated",
            "is_dibao",
            "is_disabled",
            "is_yulu_graduate",
            "labour_capacity",
            "skill_level",
            "training_wish",
            "job_intention",
        ]
        help_texts = {"id_number": _("18 位，最后一位可为 X；旧版 15 位号码会自动转换。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edit_version"].initial = self.instance.version
        elif self.fixed_township is not None:
            # The add form shows the clerk's township before saving (its field is read-only for a clerk).
            self.instance.township = self.fixed_township
        if "name" in self.fields:
            # A browser's maxlength counts UTF-16 units, two for an Extension B character; the limit in
            # characters is the server's (check_name).
            self.fields["name"].widget.attrs["maxlength"] = 2 * NAME_MAX_LENGTH

    #: The township a new person is registered in when the user may not choose (a clerk's own); set by the admin.
    fixed_township = None

    def clean_id_number(self):
        value = normalise_id_number(self.cleaned_data.get("id_number"))
        if value != self.instance.id_number:
            township = self._target_township()
            try:
                worker_check_new_id(id_number=value, township=township, exclude_pk=self.instance.pk)
            except ValidationError as exc:
                existing = Worker.objects.filter(id_number=value).only("pk", "township_id").first()
                if existing is None or township is None or existing.township_id != township.pk:
                    raise
                # In the clerk's own township: a link to the person, to add the job there.
                link = reverse("admin:workers_worker_change", args=[existing.pk])
                raise ValidationError(
                    format_html('{} <a href="{}">{}</a>', exc.messages[0], link, _("打开此人的登记页")),
                    code="id_taken",
                ) from exc
        return value

    def _target_township(self):
        if self.fixed_township is not None:
            return self.fixed_township
        if self.instance.township_id:
            return self.instance.township
        pk = self.data.get("township")
        field = self.fields.get("township")
        return field.queryset.filter(pk=pk).first() if pk and field is not None else None

    def clean_name(self):
        # check_name, not worker_check_name: a form field's error is a list, not a {"name": …} dict.
        return check_name(self.cleaned_data.get("name"))

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone"))

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("edit_version") not in (None, self.instance.version):
            raise ValidationError(STALE_VERSION, code="stale")
        return cleaned

    def _post_clean(self):
        # Sex and birth date are derived from the number before the model's own validation runs.
        id_number = self.cleaned_data.get("id_number")
        if id_number and "id_number" not in self.errors:
            info = id_number_info(id_number)
            self.instance.sex, self.instance.birth_date = info.sex, info.birth_date
        super()._post_clean()

    def validate_unique(self):
        # Uniqueness (ID number, natural key) is checked by the services with a clear message.
        return None


class HouseholdAdminForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["number", "township", "village", "head_name"]

    def clean_head_name(self):
        value = self.cleaned_data.get("head_name")
        return check_name(value) if (value or "").strip() else ""


class EmploymentInlineForm(forms.ModelForm):
    new_employer_name = forms.CharField(
        label=_("新单位名称"), required=False, max_length=200, help_text=_("单位不在下拉列表中时填写")
    )
    credit_code = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=30)

    class Meta:
        model = Employment
        fields = [
            "employer",
            "new_employer_name",
            "credit_code",
            "industry",
            "workplace",
            "workplace_township",
            "form",
            "start_date",
            "end_date",
            "returnee",
            "channel",
            "monthly_income",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].required = False
        if self.instance.pk and self.instance.employer_id:
            self.fields["credit_code"].initial = self.instance.employer.credit_code
        #: Why this saved job is read-only (its quarter is locked, DESIGN.md §4.8), or "".
        self.locked_reason = ""
        if self.instance.pk:
            try:
                ensure_quarter_open(
                    self.instance.start_date,
                    township_id=self.instance.registration_township_id,
                    acting_user=getattr(self, "acting_user", None),
                )
            except ValidationError as exc:
                self.locked_reason = exc.messages[0]
                for field in self.fields.values():
                    field.disabled = True

    def _posted_changes(self) -> list[str]:
        """Fields of a locked job whose posted value differs from the saved one. A browser posts nothing for
        the disabled fields (unchanged); a crafted post that changes one is refused, not ignored."""
        changed = []
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if not field.disabled or key not in self.data:
                continue
            probe = copy.copy(field)
            probe.disabled = False
            raw = field.widget.value_from_datadict(self.data, self.files, key)
            if probe.has_changed(self.get_initial_for_field(field, name), raw):
                changed.append(name)
        return changed

    def clean_credit_code(self):
        value = self.cleaned_data.get("credit_code")
        return normalise_credit_code(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        if self.locked_reason:
            # Only the jobs that start in a locked quarter are frozen; the person and their other jobs save.
            if cleaned.get("DELETE") or self._posted_changes():
                raise ValidationError(self.locked_reason, code="quarter_locked")
            return cleaned
        if self.errors or cleaned.get("DELETE"):
            if cleaned.get("DELETE") and self.instance.pk:
                ensure_quarter_open(
                    self.instance.start_date,
                    township_id=self.instance.registration_township_id,
                    acting_user=getattr(self, "acting_user", None),
                )
            return cleaned
        employer: Employer | None = cleaned.get("employer")
        name = (cleaned.get("new_employer_name") or "").strip() or (employer.name if employer else "")
        if not name:
            raise ValidationError({"employer": EMPLOYER_MISSING})
        if cleaned.get("workplace") != Workplace.IN_DISTRICT:
            cleaned["workplace_township"] = None
        data = EmploymentData(
            employer_name=name,
            credit_code=cleaned.get("credit_code") or (employer.credit_code if employer else ""),
            industry=cleaned["industry"],
            workplace=cleaned["workplace"],
            workplace_township=cleaned.get("workplace_township"),
            form=cleaned["form"],
            start_date=cleaned["start_date"],
            end_date=cleaned.get("end_date"),
            returnee=cleaned.get("returnee", False),
            channel=cleaned.get("channel", ""),
            monthly_income=cleaned.get("monthly_income"),
        )
        if self.instance.pk:
            ensure_quarter_open(self.instance.start_date)
        ensure_quarter_open(data.start_date)
        birth = self._worker_birth_date()
        if birth is not None:
            employment_check(worker_birth_date=birth, data=data)
        cleaned["employment_data"] = data
        cleaned["employer_key"] = employer_key(name)
        return cleaned

    def _worker_birth_date(self):
        # Set by the formset: the worker being edited or added (its birth date derived from the ID number).
        return getattr(getattr(self, "worker", None), "birth_date", None)

    def validate_unique(self):
        return None


class EmploymentInlineFormSet(forms.BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.worker = self.instance
        return form

    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data.get("employment_data")
            if data is None:
                continue
            key = (data.start_date, form.cleaned_data["employer_key"])
            if key in seen:
                raise ValidationError(_("同一人同一就业时间同一单位的记录填写了两次，请删除重复的一行。"))
            seen[key] = form


class WorkerMoveForm(forms.Form):
    """户籍迁移 (rule 4.1): the receiving township, the date the registration moves, the reason."""

    township = forms.ModelChoiceField(
        label=_("迁入镇乡街道"), queryset=Township.objects.order_by("code"), empty_label=None
    )
    on = forms.DateField(
        label=_("迁移日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("此日期及以后开始的就业计入迁入地；此前的就业仍计入原镇乡街道。"),
    )
    reason = forms.CharField(label=_("迁移原因"), max_length=200, required=False)
