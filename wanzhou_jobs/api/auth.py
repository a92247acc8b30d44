"""Authentication of the REST API (DESIGN.md §6, THREATS.md B): `Authorization: Token <key>` for client
systems and the staff session of the web pages, never HTTP Basic. A client key is stored only as its
SHA-256 and looked up by it; a revoked or expired token, or a token in the query string, is a 401, and a
token never creates a session. The two OpenAPI extensions describe both schemes in the schema.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from targets.models import ApiClient

TOKEN_KEYWORD = "Token"  # noqa: S105 - the header keyword, not a secret
TOKEN_PREFIX = "wzj_"  # noqa: S105 - a public prefix that secret scanners recognise
QUERY_TOKEN_PARAMS = ("token", "access_token", "api_key", "apikey", "key", "auth")

TOKEN_MALFORMED = _("Authorization 请求头格式错误，应为 “Token <令牌>”。")
TOKEN_INVALID = _("令牌无效。")
TOKEN_REVOKED = _("令牌已停用，请联系区人力社保局重新申请。")
TOKEN_EXPIRED = _("令牌已过期，请联系区人力社保局重新申请。")
TOKEN_IN_QUERY = _(
    "不接受在网址参数中传递令牌，请改用请求头 Authorization: Token <令牌>，并尽快更换已暴露的令牌。"
)

SCOPE_READ = ApiClient.Scope.READ
SCOPE_READ_UNMASKED = ApiClient.Scope.READ_UNMASKED
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_generate() -> str:
    """A new client token: 32 random bytes, URL-safe, with a recognisable prefix for secret scanners."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ClientPrincipal:
    """`request.user` of a client-system request: authenticated, but no Django user and no session."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, client: ApiClient):
        self.client = client
        self.username = f"api:{client.name}"

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.username


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`, looked up by SHA-256; revoked or expired → 401; `?token=` → 401."""

    def authenticate(self, request):
        if any(name in request.query_params for name in QUERY_TOKEN_PARAMS):
            raise exceptions.AuthenticationFailed(TOKEN_IN_QUERY)
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].lower() != TOKEN_KEYWORD.lower():
            return None  # another scheme (Basic, Bearer …): not ours, and no other class accepts it
        if len(parts) != 2 or len(parts[1]) > 200:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED)
        client = ApiClient.objects.filter(token_hash=token_hash(parts[1])).first()
        if client is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        now = timezone.now()
        if client.revoked_at is not None:
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED)
        if client.expires_at is not None and client.expires_at <= now:
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        if not client.has_scope(SCOPE_READ) and not client.has_scope(SCOPE_READ_UNMASKED):
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=client.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
            ).update(last_used_at=now)
        return ClientPrincipal(client), client

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return TOKEN_KEYWORD


class StaffSessionAuthentication(SessionAuthentication):
    """The staff session of the web pages; DRF enforces CSRF on unsafe methods (which are 405 anyway)."""


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "wanzhou_jobs.api.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "客户端令牌，格式 `Token <令牌>`，由 `manage.py create_api_client` 生成；不接受网址参数中的令牌。"
                " / Client token as `Token <key>`, issued by `manage.py create_api_client`; never in the "
                "query string."
            ),
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "wanzhou_jobs.api.StaffSessionAuthentication"
    name = "StaffSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "已登录工作人员的会话，按其镇乡街道/行业范围过滤，始终脱敏。 / The session of a logged-in "
                "staff user, scoped to their township/industries, always masked."
            ),
        }
