"""`python manage.py import_return FILE --user USERNAME [--township X] [--year Y --quarter Q] [--dry-run]
[--map 'FILE HEADER=FIELD HEADER' …]`

The quarterly-return pipeline of DESIGN.md §5: exit 0 when imported (or a clean dry run), exit 1 with every
error listed when refused — and when the township imported the same file before (no second batch of it);
never a traceback for a bad file. A dry run is a check: it leaves no batch. `--map` names a column whose
header is none of the return's wordings (repeatable; `'备注='` leaves a column out); every cell is still
checked as under its own header.
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from targets.selectors import township_resolve
from wanzhou_jobs.commands import DomainCommand
from workers.resources import mapping_problems, parse_map_options
from workers.returns import SameFile, return_run, return_summary

MAP_EXAMPLE = "--map '文件表头=栏目'（如 --map '身份证=公民身份号码'）"


class Command(DomainCommand):
    help = "导入季度报表（.xlsx、.xls、.ods 或 .csv）：全部正确才写入，任何一行有错则不写入并列出全部错误。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="以该工作人员的身份和权限导入")
        parser.add_argument("--township", help="报送镇乡街道（名称或区划代码）")
        parser.add_argument("--year", type=int)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入，也不留下导入批次")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FILE HEADER=FIELD HEADER",
            help="文件表头对应的栏目，可重复，如 --map '身份证=公民身份号码'",
        )

    def run(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"找不到有效用户：{options['user']}")
        township = None
        if options["township"]:
            township = township_resolve(options["township"])
            if township is None:
                raise CommandError(f"找不到镇乡街道“{options['township']}”")
        if (options["year"] is None) != (options["quarter"] is None):
            raise CommandError("--year 和 --quarter 需要同时填写")
        try:
            column_map = parse_map_options(options["map"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        problems = mapping_problems(column_map, complete=False)  # the other columns keep their headers
        if problems:
            raise CommandError("；".join(problems))
        try:
            batch, plan = return_run(
                acting_user=user,
                path=path,
                file_name=path.name,
                township=township,
                year=options["year"],
                quarter=options["quarter"],
                dry_run=options["dry_run"],
                column_map=column_map,
            )
        except SameFile as exc:
            self.stderr.write(f"未导入：{exc.messages[0]}")
            sys.exit(1)
        for warning in plan.warnings:
            self.stdout.write(f"提示：{warning}")
        if not plan.ok:
            for issue in plan.errors:
                where = f"第 {issue.row} 行" if issue.row else "文件"
                column = f"【{issue.column}】" if issue.column else ""
                value = f"（{issue.value}）" if issue.value else ""
                self.stderr.write(f"{where}{column}{value}：{issue.message}")
            if plan.needs_mapping:
                self.stderr.write(f"如果文件中有这些列，只是表头写法不同，请用 {MAP_EXAMPLE} 指定。")
            self.stderr.write(f"未导入。{return_summary(batch)}")
            sys.exit(1)
        verb = "校验通过（未写入，--dry-run）" if options["dry_run"] else f"已导入，批次 #{batch.pk}"
        self.stdout.write(f"{verb}。{return_summary(batch)}")
