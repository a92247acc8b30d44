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
