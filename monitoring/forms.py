from django import forms
from django.utils.translation import gettext_lazy as _

from wanzhou_jobs.spreadsheets import ACCEPTED_FORMATS


class ListUploadForm(forms.Form):
    list_date = forms.DateField(
        label=_("名单日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("监测系统导出名单的日期。"),
    )
    file = forms.FileField(label=_("监测名单文件"), help_text=ACCEPTED_FORMATS)
