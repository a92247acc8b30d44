"""Every file the system writes with data about people, in one place (issue 16): who may download it and
whether ID numbers and phones in it are masked. `tests/security/test_doors.py` walks this list: each
download answers only the roles named here, shows no more than it says, and a download the crawl meets
that is not listed fails the suite.

Roles as `targets.scoping` names them: the township's clerk ("clerk", of the person's own township
only), "bureau", "industry" (of the job's industry), "reviewer", and "api" / "api_unmasked" (a client
system without and with the unmasked permission).
"""

from dataclasses import dataclass

FULL = "full"
MASKED = "masked"
NO_PEOPLE = "no people"  # counts and reference data only


@dataclass(frozen=True)
class PersonalFile:
    what: str
    url_name: str
    roles: dict[str, str]  # role → FULL / MASKED / NO_PEOPLE; a role not named gets 403/404 or nothing
    query: str = ""  # what turns the page into the file, e.g. "?format=xlsx"


FILES = (
    PersonalFile(
        "季度报表错误报告 (.xlsx): the file's rows with their errors",
        "workers:return_errors",
        {"clerk": FULL, "bureau": FULL},
    ),
    PersonalFile(
        "就业台账 (.xlsx): the township's ledger in the return's format",
        "workers:ledger_export",
        {"clerk": FULL, "bureau": FULL, "industry": MASKED, "reviewer": MASKED},
    ),
    PersonalFile(
        "季度报表模板 (.xlsx): the blank template",
        "workers:return_template",
        {"clerk": NO_PEOPLE, "bureau": NO_PEOPLE},
    ),
    PersonalFile("通报表 (.xlsx): the monthly briefing", "targets:briefing", {"bureau": NO_PEOPLE}),
    PersonalFile(
        "通报 (.docx): the monthly notice as a Word document", "reporting:notice", {"bureau": NO_PEOPLE}
    ),
    PersonalFile(
        "补贴发放名单 (.xlsx): the payment list for the bank",
        "subsidies:payment_export",
        {"bureau": FULL},
    ),
    PersonalFile(
        "补贴汇总 (.xlsx): totals by kind and township",
        "subsidies:totals_export",
        {"bureau": NO_PEOPLE, "reviewer": NO_PEOPLE, "clerk": NO_PEOPLE},
    ),
    PersonalFile(
        "补贴申请附件: the applicant's uploaded evidence",
        "subsidies:attachment",
        {"clerk": FULL, "reviewer": FULL, "bureau": FULL},
    ),
    PersonalFile(
        "1131 待办 (.xlsx): the year's routine-service worklist",
        "assistance:worklist",
        {"clerk": MASKED, "bureau": MASKED},
        "?format=xlsx",
    ),
    PersonalFile(
        "公益性岗位 (.xlsx)", "assistance:posts", {"clerk": MASKED, "bureau": MASKED}, "?format=xlsx"
    ),
    PersonalFile(
        "养老保险代缴名单 (.xlsx): the year's list, masked",
        "assistance:pension",
        {"clerk": MASKED, "bureau": MASKED},
        "?format=xlsx&year=2026",
    ),
    PersonalFile(
        "养老保险代缴名单（社保经办）(.xlsx): full ID numbers for the social-insurance agency",
        "assistance:pension_agency",
        {"bureau": FULL},
        "?year=2026",
    ),
    PersonalFile(
        "零就业家庭 (.xlsx)", "assistance:households", {"clerk": MASKED, "bureau": MASKED}, "?format=xlsx"
    ),
    *(
        PersonalFile(
            f"监测名单比对清单 (.xlsx): {gap}",
            f"monitoring:gap_{gap}",
            {"clerk": MASKED, "bureau": MASKED},
            "?format=xlsx",
        )
        for gap in ("no_job", "ended_recently", "outside", "households", "unknown_working")
    ),
    PersonalFile(
        "监测对象就业状态 (.xlsx): the status in the monitoring system's keys, sent back by the bureau",
        "monitoring:status_export",
        {"bureau": FULL},
    ),
    PersonalFile(
        "就业记录导出 (.csv / .ndjson): the city system's feed",
        "workers_api:employments-csv",
        {
            "api": MASKED,
            "api_unmasked": FULL,
            "clerk": MASKED,
            "bureau": MASKED,
            "industry": MASKED,
            "reviewer": MASKED,
        },
    ),
    PersonalFile(
        "就业记录导出 (.ndjson)",
        "workers_api:employments-ndjson",
        {
            "api": MASKED,
            "api_unmasked": FULL,
            "clerk": MASKED,
            "bureau": MASKED,
            "industry": MASKED,
            "reviewer": MASKED,
        },
    ),
)

BY_URL_NAME = {entry.url_name: entry for entry in FILES}
