"""The four roles as Django groups with explicit permissions.

Permissions only open a door; what a user sees behind it is decided by `targets.scoping`. A permission
named here for a model that does not exist (yet) is skipped by `roles_sync`, so the table can name the
whole product.
"""

from .models import Role

ROLE_GROUPS = {
    Role.CLERK: "镇乡街道经办员",
    Role.BUREAU: "区人力社保局",
    Role.INDUSTRY: "行业主管部门",
    Role.REVIEWER: "审核员",
}

_LEDGER_EDIT = [
    "workers.view_worker",
    "workers.add_worker",
    "workers.change_worker",
    "workers.view_household",
    "workers.add_household",
    "workers.change_household",
    "workers.view_employer",
    "workers.add_employer",
    "workers.change_employer",
    "workers.view_employment",
    "workers.add_employment",
    "workers.change_employment",
    "workers.delete_employment",
    "workers.view_importbatch",
    "workers.add_importbatch",
]
_LEDGER_VIEW = [p for p in _LEDGER_EDIT if ".view_" in p]
_REFERENCE_VIEW = [
    "targets.view_township",
    "targets.view_industry",
    "targets.view_planyear",
    "targets.view_townshiptarget",
    "targets.view_industrytarget",
    "targets.view_keytaskindicator",
    "targets.view_keytasktarget",
]
_ASSISTANCE_EDIT = [
    f"assistance.{verb}_{model}"
    for model in (
        "enrolment",
        "servicerecord",
        "publicwelfarepost",
        "course",
        "participation",
        "recruitmentevent",
        "labourbrand",
        "carrier",
        "recognition",
        "difficultystandard",
        "pensionstandard",
        "followuprecord",
        "intentionrecord",
        "registerentry",
        "healthcheck",
    )
    for verb in ("view", "add", "change")
]
_SUBSIDY_CLERK = [
    "subsidies.view_subsidykind",
    "subsidies.view_application",
    "subsidies.add_application",
    "subsidies.change_application",
    "subsidies.view_attachment",
    "subsidies.add_attachment",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CLERK: _REFERENCE_VIEW + _LEDGER_EDIT + _ASSISTANCE_EDIT + _SUBSIDY_CLERK,
    Role.BUREAU: _REFERENCE_VIEW
    + _LEDGER_EDIT
    + _ASSISTANCE_EDIT
    + _SUBSIDY_CLERK
    + [
        "targets.change_planyear",
        "targets.change_townshiptarget",
        "targets.change_industrytarget",
        "targets.add_townshiptarget",
        "targets.add_industrytarget",
        "targets.change_keytasktarget",
        "targets.view_staffassignment",
        "targets.view_quarterlock",
        "targets.add_quarterlock",
        "targets.change_quarterlock",
        "workers.delete_worker",
        "workers.change_importbatch",
        "subsidies.change_subsidykind",
        "subsidies.view_payment",
    ],
    Role.INDUSTRY: _REFERENCE_VIEW + ["workers.view_employment", "workers.view_employer"],
    Role.REVIEWER: _REFERENCE_VIEW
    + _LEDGER_VIEW
    + [
        "subsidies.view_subsidykind",
        "subsidies.view_application",
        "subsidies.change_application",
        "subsidies.view_attachment",
        "subsidies.view_payment",
        "subsidies.add_payment",
    ],
}
