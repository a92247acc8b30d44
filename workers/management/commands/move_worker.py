"""`python manage.py move_worker ID_NUMBER --to X --date YYYY-MM-DD --user USERNAME [--reason TEXT]`

A change of household registration (户籍迁移) from a date (DESIGN.md §4.1, §8) through
`workers.services.worker_move`: exit 0 done, 1 refused with the reason on one line.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from targets.selectors import township_resolve
from wanzhou_jobs.commands import DomainCommand
from workers.models import Worker
from workers.services import worker_move
from workers.validators import normalise_id_number


class Command(DomainCommand):
    help = "办理户籍迁移：自指定日期起，此人户籍在迁入镇乡街道（此前的就业仍计入原镇乡街道）。"

    def add_arguments(self, parser):
        parser.add_argument("id_number", help="公民身份号码")
        parser.add_argument("--to", required=True, help="迁入镇乡街道名称或区划代码")
        parser.add_argument("--date", required=True, help="迁移日期，YYYY-MM-DD")
        parser.add_argument("--user", required=True, help="以该工作人员的身份办理（区人力社保局）")
        parser.add_argument("--reason", default="", help="迁移原因")

    def run(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"找不到有效用户：{options['user']}")
        try:
            id_number = normalise_id_number(options["id_number"])
        except ValidationError as exc:
            raise CommandError(f"公民身份号码有误：{exc.messages[0]}") from None
        worker = Worker.objects.select_related("township").filter(id_number=id_number).first()
        if worker is None:
            raise CommandError(f"台账中没有公民身份号码为 {options['id_number']} 的人员")
        township = township_resolve(options["to"])
        if township is None:
            raise CommandError(f"找不到镇乡街道“{options['to']}”")
        try:
            on = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"迁移日期“{options['date']}”不是 YYYY-MM-DD 格式的日期") from None
        old = worker.township.name
        worker_move(acting_user=user, worker=worker, township=township, on=on, reason=options["reason"])
        self.stdout.write(
            f"已办理户籍迁移：{worker.masked_id_number} 自 {on.isoformat()} 起由{old}迁入{township.name}"
        )
