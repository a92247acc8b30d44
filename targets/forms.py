"""Forms of the targets pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Township


class AuditSearchForm(forms.Form):
    """Search of the audit log: every field optional; a date range must run forwards."""

    person = forms.CharField(label=_("人员（身份证号或姓名）"), required=False, max_length=40)
    user = forms.CharField(label=_("操作人用户名"), required=False, max_length=150)
    township = forms.ModelChoiceField(
        label=_("镇乡街道"), queryset=Township.objects.order_by("code"), required=False, empty_label=_("全部")
    )
    event = forms.ChoiceField(label=_("操作类型"), required=False, choices=())
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        from .audit import EVENT_LABELS

        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [("", _("全部")), *EVENT_LABELS.items()]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data
