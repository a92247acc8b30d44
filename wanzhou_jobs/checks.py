"""System checks of the project's settings, run by `manage.py check --deploy` (issue 16 §6).

Django's own check of the key (security.W009) is only a warning, so `check --deploy` still exits 0 on a
weak key; this one is an error. A key is weak when it is short, has few distinct characters, carries
Django's "django-insecure-" marker (the keys `DEBUG` and the tests make) or is one of the public keys below.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
DEVELOPMENT_PREFIX = "django-insecure-"
# Published in this repository: the key the settings once fell back to, and the placeholder of .env.example.
PUBLIC_KEYS = frozenset({"insecure-local-only-key-set-SECRET_KEY-in-production-0123456789", "change-me"})

KEY_WEAK = (
    "{name} 是开发或测试用的密钥、公开的密钥，或少于 {length} 个字符：不能用于生产环境。"
    " {name} is a development, test or public key, or shorter than {length} characters: not for production."
)
KEY_HINT = (
    '设置 50 个以上的随机字符（见 .env.example），例如： python -c "import secrets; '
    'print(secrets.token_urlsafe(50))"'
)


def key_is_weak(key: str) -> bool:
    return (
        len(key) < MIN_LENGTH
        or len(set(key)) < MIN_UNIQUE_CHARACTERS
        or key.startswith(DEVELOPMENT_PREFIX)
        or key in PUBLIC_KEYS
    )


@register(Tags.security, deploy=True)
def secret_key_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    if key_is_weak(settings.SECRET_KEY):
        errors.append(
            Error(
                KEY_WEAK.format(name="SECRET_KEY", length=MIN_LENGTH), hint=KEY_HINT, id="wanzhou_jobs.E001"
            )
        )
    if any(key_is_weak(key) for key in settings.SECRET_KEY_FALLBACKS):
        errors.append(
            Error(
                KEY_WEAK.format(name="SECRET_KEY_FALLBACKS", length=MIN_LENGTH),
                hint=KEY_HINT,
                id="wanzhou_jobs.E002",
            )
        )
    return errors
