from django.utils import timezone

from targets.api import api_client_revoke
from wanzhou_jobs.commands import DomainCommand


class Command(DomainCommand):
    help = "停用接口客户端，其令牌立即失效。 / Revoke an API client; its token stops working at once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="客户端名称")

    def run(self, *args, **options):
        client, was_active = api_client_revoke(name=options["name"])
        if was_active:
            self.stdout.write(f"已停用接口客户端“{client.name}”，其令牌立即失效。")
        else:
            self.stdout.write(
                f"接口客户端“{client.name}”此前已停用（{timezone.localtime(client.revoked_at):%Y-%m-%d %H:%M}）。"
            )
