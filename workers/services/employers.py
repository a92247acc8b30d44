"""Finding or creating the employer of a job (DESIGN.md §4.2).

An employer is one row per natural key — its name normalised by `employer_key` (NFKC, no spaces,
case-folded) — and, when given, its unified social credit code. `employer_resolve` is the only way a form, an
import row or an API call turns a written employer into a row: it refuses a code that already belongs to
another name, or a name whose code in the ledger differs, and fills in a missing code.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import Employer
from ..validators import normalise_credit_code

EMPLOYER_REQUIRED = _("请填写就业单位名称（灵活就业可填“灵活就业”）。")
EMPLOYER_CREDIT_CODE_CONFLICT = _("统一社会信用代码 {code} 已属于单位“{name}”，请核对单位名称或代码。")
EMPLOYER_NAME_CODE_CONFLICT = _(
    "单位“{name}”在台账中的统一社会信用代码为 {existing}，与填写的 {code} 不一致，请核对。"
)

_EMPLOYER_SPACES = re.compile(r"\s+")


def employer_key(name: object) -> str:
    """The normalised employer name of the natural key: NFKC, no spaces, case-folded."""
    return _EMPLOYER_SPACES.sub("", unicodedata.normalize("NFKC", str(name or ""))).casefold()


def employer_resolve(*, name: str, credit_code: str = "") -> Employer:
    """Find or create the employer: by credit code when given, else by normalised name."""
    name = unicodedata.normalize("NFKC", str(name or "")).strip()
    key = employer_key(name)
    if not key:
        raise ValidationError({"employer": EMPLOYER_REQUIRED})
    code = normalise_credit_code(credit_code) if credit_code else ""
    if code:
        by_code = Employer.objects.filter(credit_code=code).first()
        if by_code is not None:
            if by_code.name_key != key:
                raise ValidationError(
                    {"credit_code": EMPLOYER_CREDIT_CODE_CONFLICT.format(code=code, name=by_code.name)}
                )
            return by_code
    employer = Employer.objects.filter(name_key=key).first()
    if employer is not None and code and employer.credit_code and employer.credit_code != code:
        raise ValidationError(
            {
                "credit_code": EMPLOYER_NAME_CODE_CONFLICT.format(
                    name=employer.name, existing=employer.credit_code, code=code
                )
            }
        )
    if employer is None:
        employer, _created = Employer.objects.get_or_create(
            name_key=key, defaults={"name": name, "credit_code": code}
        )
    elif code and not employer.credit_code:
        employer.credit_code = code
        employer.save(update_fields=["credit_code"])
    return employer


# --- Completing an employer's credit code (issue 18, item 3) ------------------------------------------

CREDIT_CODE_NOT_YOURS = _("只能为本镇乡街道台账中使用的单位补全统一社会信用代码。")
CREDIT_CODE_CHANGE_BUREAU_ONLY = _("单位“{name}”已有统一社会信用代码 {code}，如需更正请联系区人力社保局。")


def employer_credit_code_check(*, acting_user, employer: Employer, credit_code: str) -> str:
    """The normalised code `acting_user` may give `employer`, or ValidationError/PermissionDenied.

    A clerk may add a missing code (check digit verified, not another employer's) to an employer that a job
    of their township uses; changing an existing code stays with bureau staff."""
    from django.core.exceptions import PermissionDenied

    from targets.scoping import scope_for, scope_queryset

    from ..models import Employment

    code = normalise_credit_code(credit_code)
    scope = scope_for(acting_user)
    if not scope.can_write:
        raise PermissionDenied(CREDIT_CODE_NOT_YOURS)
    if not scope.all_townships:
        used_here = scope_queryset(
            Employment.objects.filter(employer=employer),
            acting_user,
            township_field="worker__township",
            write=True,
        )
        if not used_here.exists():
            raise PermissionDenied(CREDIT_CODE_NOT_YOURS)
        if employer.credit_code and employer.credit_code != code:
            raise ValidationError(
                {
                    "credit_code": CREDIT_CODE_CHANGE_BUREAU_ONLY.format(
                        name=employer.name, code=employer.credit_code
                    )
                }
            )
    other = Employer.objects.filter(credit_code=code).exclude(pk=employer.pk).first()
    if other is not None:
        raise ValidationError(
            {"credit_code": EMPLOYER_CREDIT_CODE_CONFLICT.format(code=code, name=other.name)}
        )
    return code


def employer_credit_code_set(*, acting_user, employer: Employer, credit_code: str) -> Employer:
    """Give `employer` its unified social credit code (rules of `employer_credit_code_check`); the change is
    in the audit log with who made it and through which door."""
    from django.db import transaction

    from targets.audit import audit_event

    with transaction.atomic():
        locked = Employer.objects.select_for_update().get(pk=employer.pk)
        code = employer_credit_code_check(acting_user=acting_user, employer=locked, credit_code=credit_code)
        if locked.credit_code != code:
            old = locked.credit_code
            locked.credit_code = code
            locked.save(update_fields=["credit_code"])
            audit_event(
                "employer_credit_code", obj=locked, actor=acting_user, detail={"old": old, "new": code}
            )
    return locked
