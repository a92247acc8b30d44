from targets.models import Role
from targets.services import staff_user_save
from wanzhou_jobs.commands import DomainCommand


class Command(DomainCommand):
    help = "创建或更新绑定镇乡街道/行业的工作人员账号。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--township", help="镇乡街道名称或区划代码（经办员必填）")
        parser.add_argument("--industry", action="append", default=[], help="行业名称或代码，可重复")
        parser.add_argument("--password")

    def run(self, *args, **options):
        user = staff_user_save(
            username=options["username"],
            role=options["role"],
            township=options["township"],
            industries=options["industry"],
            password=options["password"],
            must_change_password=True,
        )
        assignment = user.assignment
        scope = assignment.township or "、".join(i.name for i in assignment.industries.all())
        label = assignment.get_role_display() + (f"，{scope}" if scope else "")
        self.stdout.write(f"已保存用户 {user.username}（{label}），首次登录须修改密码")
