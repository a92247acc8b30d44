"""Who is asking and what they may see (DESIGN.md §6, THREATS.md B): a client system is district-wide and
sees full ID and phone numbers only with `read_unmasked`; a staff session sees what `targets.scoping` lets
that user see, always masked. The two permission classes of `REST_FRAMEWORK` let in only a live client or a
staff user with a non-empty scope who has changed the first password, and answer anything but GET/HEAD
with 405.
"""

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from targets.models import ApiClient
from targets.scoping import Scope, scope_for, scope_queryset
from wanzhou_jobs.security import password_change_pending

from .auth import SCOPE_READ_UNMASKED
from .errors import NO_API_ACCESS, NOT_AUTHENTICATED, PASSWORD_CHANGE_FIRST

DISTRICT_WIDE = Scope(role="api_client", all_townships=True, all_industries=True)


def api_client(request) -> ApiClient | None:
    auth = getattr(request, "_auth", None)
    return auth if isinstance(auth, ApiClient) else None


def api_scope(request) -> Scope:
    """District-wide for a client system; `targets.scoping` for a staff session."""
    if api_client(request) is not None:
        return DISTRICT_WIDE
    return scope_for(request.user)


def api_scoped(queryset, request, *, township_field: str | None, industry_field: str | None):
    """`queryset` limited to what the requester may see: everything for a client system, the one scoping
    helper (`targets.scoping.scope_queryset`) for a staff session."""
    if api_client(request) is not None:
        return queryset
    return scope_queryset(
        queryset, request.user, township_field=township_field, industry_field=industry_field
    )


def api_unmasked(request) -> bool:
    """Full ID numbers and phone numbers only for a client holding `read_unmasked`; staff always masked."""
    client = api_client(request)
    return client is not None and client.has_scope(SCOPE_READ_UNMASKED)


class InScopeReadOnly(BasePermission):
    """Denies unless the requester is a live client, or a staff user with a non-empty scope who no longer
    has to change the first password (403 `PASSWORD_CHANGE_FIRST`)."""

    message = NO_API_ACCESS

    def has_permission(self, request, view) -> bool:
        if api_client(request) is not None:
            return True
        user = request.user
        if not getattr(user, "is_authenticated", False):
            raise exceptions.NotAuthenticated(NOT_AUTHENTICATED)
        if password_change_pending(user):
            # The pages redirect such a session to the password change; the API cannot (C7).
            raise exceptions.PermissionDenied(PASSWORD_CHANGE_FIRST)
        return not scope_for(user).is_empty


class ReadOnlyMethods(BasePermission):
    """Runs after authentication: an authenticated write gets 405, not a silent 403."""

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS or request.method == "OPTIONS":
            raise exceptions.MethodNotAllowed(request.method)
        return True
