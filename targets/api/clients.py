"""The writes behind the `create_api_client` / `revoke_api_client` commands: one function per operation.

A client system gets a token once, at creation; only its SHA-256 and a short prefix are stored
(`wanzhou_jobs.api.token_hash`). Revoking stamps `revoked_at`, and the token stops working at once. Names
are unique; a client that needs a new token is revoked and created again under a new name.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wanzhou_jobs.api import token_generate, token_hash

from ..models import ApiClient

CLIENT_NAME_REQUIRED = _("请填写客户端名称。")
CLIENT_NAME_TAKEN = _("客户端“{name}”已存在；如需新令牌，请先停用旧客户端，再用新名称创建。")
CLIENT_UNKNOWN = _("找不到客户端“{name}”。")
CLIENT_DAYS_INVALID = _("有效天数应为 0（不过期）或正整数。")
CLIENT_RATE_INVALID = _("限流格式应为“次数/second|minute|hour|day”，如 600/minute。")


def _rate_valid(rate: str) -> bool:
    number, _sep, period = rate.partition("/")
    return (
        number.isdigit()
        and int(number) > 0
        and period in {"second", "minute", "hour", "day", "s", "m", "h", "d"}
    )


@transaction.atomic
def api_client_create(
    *, name: str, unmasked: bool = False, days: int | None = None, throttle_rate: str = ""
) -> tuple[ApiClient, str]:
    """Create a client system and its token; the token is returned once and only its SHA-256 is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(CLIENT_NAME_REQUIRED)
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError(CLIENT_NAME_TAKEN.format(name=name))
    days = settings.API_TOKEN_DAYS if days is None else days
    if days < 0:
        raise ValidationError(CLIENT_DAYS_INVALID)
    throttle_rate = (throttle_rate or "").strip()
    if throttle_rate and not _rate_valid(throttle_rate):
        raise ValidationError(CLIENT_RATE_INVALID)
    token = token_generate()
    scopes = [ApiClient.Scope.READ] + ([ApiClient.Scope.READ_UNMASKED] if unmasked else [])
    client = ApiClient.objects.create(
        name=name,
        token_hash=token_hash(token),
        token_prefix=token[:12],
        scopes=[str(s) for s in scopes],
        throttle_rate=throttle_rate,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return client, token


@transaction.atomic
def api_client_revoke(*, name: str) -> tuple[ApiClient, bool]:
    """Revoke a client (its token stops working at once). Returns (client, whether it was active)."""
    client = ApiClient.objects.select_for_update().filter(name=(name or "").strip()).first()
    if client is None:
        raise ValidationError(CLIENT_UNKNOWN.format(name=(name or "").strip()[:80]))
    if client.revoked_at is not None:
        return client, False
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    return client, True
