from targets.api import api_client_create
from wanzhou_jobs.commands import DomainCommand


class Command(DomainCommand):
    help = "创建接口客户端（如市级系统），只显示一次令牌（最后一行）。 / Create an API client; prints its token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="客户端名称，如 渝悦就业")
        parser.add_argument(
            "--unmasked",
            action="store_true",
            help="授予 read_unmasked：返回完整身份证号和手机号（需数据共享协议）",
        )
        parser.add_argument(
            "--days", type=int, default=None, help="令牌有效天数，默认 API_TOKEN_DAYS；0 表示不过期"
        )
        parser.add_argument(
            "--rate", default="", help="该客户端的限流，如 1200/minute；默认 API_THROTTLE_RATE"
        )

    def run(self, *args, **options):
        client, token = api_client_create(
            name=options["name"],
            unmasked=options["unmasked"],
            days=options["days"],
            throttle_rate=options["rate"],
        )
        expiry = client.expires_at.strftime("%Y-%m-%d") if client.expires_at else "不过期"
        self.stdout.write(
            f"已创建接口客户端“{client.name}”，权限：{'、'.join(client.scopes)}，有效期至：{expiry}。"
        )
        self.stdout.write("令牌只显示这一次，系统只保存其摘要，请立即妥善转交（最后一行）：")
        self.stdout.write(token)
