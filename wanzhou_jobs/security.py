"""Cross-cutting security pieces: the client address, the password rules MLPS asks for (in Chinese),
first-login password change, and the content security policy (THREATS.md C, J; issue: trust)."""

import re

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

PASSWORD_CLASSES = _("密码至少要包含以下四类字符中的三类：大写字母、小写字母、数字、符号。")
PASSWORD_TOO_SHORT = _("密码太短，至少需要 %(min_length)d 个字符。")
PASSWORD_MIN_LENGTH = _("密码至少需要 %(min_length)d 个字符。")
PASSWORD_TOO_SIMILAR = _("密码与%(verbose_name)s过于相似。")
PASSWORD_NOT_SIMILAR = _("密码不能与您的其他个人信息过于相似。")
PASSWORD_TOO_COMMON = _("这个密码太常见了。")
PASSWORD_NOT_COMMON = _("密码不能是常用密码。")
PASSWORD_NUMERIC = _("密码不能全是数字。")


def client_ip(request) -> str | None:
    """The client's address. Behind `TRUSTED_PROXY_COUNT` proxies, the address the nearest of them saw;
    a client-supplied X-Forwarded-For is never trusted beyond that (THREATS C3, J4)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


class CharacterClassValidator:
    """Three of four character classes (MLPS 2.0 complexity; Django's defaults have no such rule)."""

    def validate(self, password, user=None):
        classes = [r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]"]
        if sum(bool(re.search(pattern, password)) for pattern in classes) < 3:
            raise ValidationError(PASSWORD_CLASSES, code="password_classes")

    def get_help_text(self):
        return PASSWORD_CLASSES


# Django's own validators, with the project's Chinese messages: Django 5.2 changed the too-short message's
# msgid (`%d`) without updating the zh_Hans catalogue, so that one message showed in English on a Chinese
# page (issue 16 §7). Owning every text keeps the rules and their wording in one place.


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return PASSWORD_TOO_SHORT  # the ValidationError's params fill in min_length

    def get_help_text(self):
        return PASSWORD_MIN_LENGTH % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return PASSWORD_TOO_SIMILAR

    def get_help_text(self):
        return PASSWORD_NOT_SIMILAR


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return PASSWORD_TOO_COMMON

    def get_help_text(self):
        return PASSWORD_NOT_COMMON


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return PASSWORD_NUMERIC

    def get_help_text(self):
        return PASSWORD_NUMERIC


class SecurityHeadersMiddleware:
    """Content-Security-Policy (Django 5.2 has none built in) and no-store on pages for signed-in users.

    Every script and style is a file under /static/ (no inline code), so the policy needs no nonces."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
        "object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages of a signed-in user hold personal data: never cached, not even for the back button.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def password_change_pending(user) -> bool:
    """Whether `user` still has to replace the password `create_user` gave them (C7)."""
    if not getattr(user, "is_authenticated", False):
        return False
    assignment = getattr(user, "assignment", None) if hasattr(user, "assignment") else None
    return bool(assignment and assignment.must_change_password)


class PasswordChangeRequiredMiddleware:
    """Users created or reset by `create_user` change their password before they see any data (C7).

    Pages redirect to the password change. The API (`/api/…`) is not redirected, since a client cannot
    follow a redirect to a form: its permission (`wanzhou_jobs.api.InScopeReadOnly`) answers such a
    session with a JSON 403, written to the API access log like every call. Token clients have no user and
    are not concerned; the schema and its documentation pages hold no data and stay reachable."""

    ALLOWED = ("password_change", "password_change_done", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and password_change_pending(user)
            and not request.path.startswith(tuple(reverse(name) for name in self.ALLOWED))
            and not (request.path.startswith(settings.STATIC_URL) or request.path.startswith("/api/"))
        ):
            return redirect("password_change")
        return self.get_response(request)
