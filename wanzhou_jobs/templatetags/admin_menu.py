"""The admin's list of models as a township clerk thinks of their work (issue 18, item 4).

Bureau staff see Django's list by app. A clerk sees four groups — 登记, 报表, 帮扶, 补贴 — holding only the
screens of their daily work, the admin's and the product's pages side by side, so reference tables
(townships, industries, targets, kinds of subsidy) and the models they only look at do not crowd it.
Hiding an entry decides nothing about access: each page still checks the user's permissions and scope.
"""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: Group name → entries: ("app_label.ModelName") for an admin model the user has permission for, or
#: (URL name, label) for a product page.
CLERK_GROUPS = (
    (
        _("登记"),
        (
            "workers.Worker",
            "workers.Employment",
            "workers.Household",
            "workers.Employer",
        ),
    ),
    (
        _("报表"),
        (
            ("workers:return_upload", _("上传季度报表")),
            ("workers:return_list", _("季度报表导入记录")),
            ("targets:dashboard", _("本镇街进度")),
        ),
    ),
    (
        _("帮扶"),
        (
            ("assistance:worklist", _("“1131”帮扶工作清单")),
            "assistance.Enrolment",
            "assistance.ServiceRecord",
            "assistance.PublicWelfarePost",
            "assistance.Course",
            "assistance.RecruitmentEvent",
        ),
    ),
    (
        _("补贴"),
        (
            ("subsidies:list", _("补贴申请")),
            ("subsidies:new", _("新建补贴申请")),
        ),
    ),
)


def _role(user) -> str | None:
    return getattr(getattr(user, "assignment", None), "role", None)


@register.filter
def grouped_for(app_list: list, user) -> list:
    """`app_list` regrouped for a clerk (CLERK_GROUPS); unchanged for everyone else."""
    if _role(user) != "clerk" or user.is_superuser:
        return app_list
    models = {f"{app['app_label']}.{m['object_name']}": m for app in app_list for m in app["models"]}
    groups = []
    for index, (name, entries) in enumerate(CLERK_GROUPS):
        rows = []
        for entry in entries:
            if isinstance(entry, str):
                if entry in models:
                    rows.append(models[entry])
                continue
            url_name, label = entry
            rows.append(
                {
                    "name": label,
                    "object_name": url_name.replace(":", "-"),
                    "admin_url": reverse(url_name),
                    "add_url": None,
                    "view_only": True,
                    "page": True,
                }
            )
        if rows:
            groups.append({"name": name, "app_label": f"clerk{index + 1}", "app_url": "", "models": rows})
    return groups
