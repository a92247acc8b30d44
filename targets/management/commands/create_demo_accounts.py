from targets.services import staff_user_save
from wanzhou_jobs.commands import DomainCommand

DEMO_PASSWORD = "Wanzhou-demo-2025"  # noqa: S105 - local demo accounts, printed by `make run`
DEMO_ACCOUNTS = [
    ("demo_clerk", "clerk", "甘宁镇", [], "镇乡街道经办员（甘宁镇）"),
    ("demo_bureau", "bureau", None, [], "区人力社保局就业科"),
    ("demo_industry", "industry", None, ["制造业"], "行业主管部门（制造业）"),
    ("demo_reviewer", "reviewer", None, [], "补贴审核员"),
]


class Command(DomainCommand):
    help = "创建演示账号（每个角色一个，经办员绑定甘宁镇），仅用于本地演示。"

    def run(self, *args, **options):
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, township, industries, label in DEMO_ACCOUNTS:
            staff_user_save(
                username=username, role=role, township=township, industries=industries, password=DEMO_PASSWORD
            )
            self.stdout.write(f"  {username:<14} {label}")
