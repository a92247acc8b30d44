"""The shared pieces of the REST API (DESIGN.md §6, THREATS.md B): authentication, permission, throttle,
exception handler, keyset cursors, the sync horizon and the access log.

DRF's defaults are open; here they are closed (settings `REST_FRAMEWORK` points at these classes):

* authentication: `Authorization: Token <key>` for client systems (SHA-256 of the key looked up; revoked or
  expired → 401; a token in the query string → 401) and the staff session; never HTTP Basic;
* permission: authenticated, in scope, and read-only — every endpoint answers GET/HEAD only (405 otherwise);
  a staff session that must still change its first password gets 403;
* throttle: per client (its own `throttle_rate`, else `API_THROTTLE_RATE`), per staff user otherwise; 429
  carries `Retry-After`;
* errors: one JSON shape `{"message": …, "fields": {…}}`, Chinese messages, never a traceback;
* every response is `Cache-Control: no-store` and leaves one `ApiAccessLog` row (PIPL art. 56).

Client systems are district-wide; a staff session sees what `targets.scoping` lets that user see, always
masked. A token never creates a session.

The pieces live in `auth` (tokens, authentication classes), `permissions` (who is asking, scope, masking,
read-only), `throttling`, `errors` (the exception handler), `pagination` (page size, cursors, sync
horizon), `endpoint` (the `ApiEndpoint` mixin and the access log) and `schema` (OpenAPI helpers). Every
name is re-exported here, so `wanzhou_jobs.api.X` — in imports and in the dotted paths of the settings —
keeps working.
"""

from .auth import (
    LAST_USED_RESOLUTION,
    QUERY_TOKEN_PARAMS,
    SCOPE_READ,
    SCOPE_READ_UNMASKED,
    TOKEN_EXPIRED,
    TOKEN_IN_QUERY,
    TOKEN_INVALID,
    TOKEN_KEYWORD,
    TOKEN_MALFORMED,
    TOKEN_PREFIX,
    TOKEN_REVOKED,
    ApiTokenAuthentication,
    ClientPrincipal,
    StaffSessionAuthentication,
    StaffSessionScheme,
    TokenScheme,
    token_generate,
    token_hash,
)
from .endpoint import (
    LOGGED_PARAMS,
    PARAM_EMPTY,
    PARAM_REPEATED,
    UNKNOWN_PARAMS,
    ApiEndpoint,
    access_log_record,
    params_check,
)
from .errors import (
    INVALID_REQUEST,
    NO_API_ACCESS,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    PASSWORD_CHANGE_FIRST,
    READ_ONLY,
    SERVER_ERROR,
    THROTTLED,
    ApiValidationError,
    exception_handler,
)
from .pagination import (
    CURSOR_INVALID,
    PAGE_SIZE_INVALID,
    cursor_decode,
    cursor_encode,
    iso,
    page_size_parse,
    sync_horizon,
)
from .permissions import (
    DISTRICT_WIDE,
    InScopeReadOnly,
    ReadOnlyMethods,
    api_client,
    api_scope,
    api_scoped,
    api_unmasked,
)
from .schema import API_DESCRIPTION, ErrorSerializer, error_responses, schema_describe
from .throttling import ApiRateThrottle

__all__ = [
    # auth
    "LAST_USED_RESOLUTION",
    "QUERY_TOKEN_PARAMS",
    "SCOPE_READ",
    "SCOPE_READ_UNMASKED",
    "TOKEN_EXPIRED",
    "TOKEN_IN_QUERY",
    "TOKEN_INVALID",
    "TOKEN_KEYWORD",
    "TOKEN_MALFORMED",
    "TOKEN_PREFIX",
    "TOKEN_REVOKED",
    "ApiTokenAuthentication",
    "ClientPrincipal",
    "StaffSessionAuthentication",
    "StaffSessionScheme",
    "TokenScheme",
    "token_generate",
    "token_hash",
    # permissions
    "DISTRICT_WIDE",
    "InScopeReadOnly",
    "ReadOnlyMethods",
    "api_client",
    "api_scope",
    "api_scoped",
    "api_unmasked",
    # throttling
    "ApiRateThrottle",
    # errors
    "INVALID_REQUEST",
    "NO_API_ACCESS",
    "NOT_AUTHENTICATED",
    "NOT_FOUND",
    "PASSWORD_CHANGE_FIRST",
    "READ_ONLY",
    "SERVER_ERROR",
    "THROTTLED",
    "ApiValidationError",
    "exception_handler",
    # pagination
    "CURSOR_INVALID",
    "PAGE_SIZE_INVALID",
    "cursor_decode",
    "cursor_encode",
    "iso",
    "page_size_parse",
    "sync_horizon",
    # endpoint
    "LOGGED_PARAMS",
    "PARAM_EMPTY",
    "PARAM_REPEATED",
    "UNKNOWN_PARAMS",
    "ApiEndpoint",
    "access_log_record",
    "params_check",
    # schema
    "API_DESCRIPTION",
    "ErrorSerializer",
    "error_responses",
    "schema_describe",
]
