"""The scope of a kind's cap — whose claims it sums and over which period — changed by bureau staff (issue 20).

The scope is data on the kind (`SubsidyKind.cap_scope`) because the seeds leave some of it to reading: the plan
gives 农民工就业补贴 "最高1000元/人" with no yearly renewal, so the default is once per worker over the plan, and
创业补贴 "最高8000元/户" for "返乡农民工创办市场主体", so the default is per market entity. Bureau staff may
change a scope within what the kind's rule allows (`RULE_SCOPES`), giving a reason; the change is logged as a
`CapScopeChange` row in the same transaction, under the kind's row lock that every approval of the kind takes,
so no approval runs half under the old scope and half under the new.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.models import Role
from targets.scoping import scope_for

from ..models import RULE_SCOPES, CapScope, CapScopeChange, SubsidyKind

SCOPE_BUREAU_ONLY = _("只有区人力社保局可以修改补贴上限的计算范围。")
SCOPE_REASON_REQUIRED = _("修改上限计算范围须填写原因。")
SCOPE_NOT_ALLOWED = _("“{kind}”的上限计算范围只能是：{allowed}。")
SCOPE_UNCHANGED = _("“{kind}”的上限计算范围已是“{scope}”。")


def scope_change_check(*, kind: SubsidyKind, scope: str, reason: str) -> None:
    """The checks of `kind_cap_scope_set` that need no lock, for a form to show before saving."""
    allowed = RULE_SCOPES[kind.rule]
    if scope not in allowed:
        raise ValidationError(
            {
                "cap_scope": SCOPE_NOT_ALLOWED.format(
                    kind=kind.name, allowed="、".join(str(CapScope(s).label) for s in allowed)
                )
            }
        )
    if not (reason or "").strip():
        raise ValidationError({"scope_reason": SCOPE_REASON_REQUIRED})


@transaction.atomic
def kind_cap_scope_set(*, acting_user, kind: SubsidyKind, scope: str, reason: str) -> CapScopeChange:
    if scope_for(acting_user).role != Role.BUREAU:
        raise PermissionDenied(SCOPE_BUREAU_ONLY)
    locked = SubsidyKind.objects.select_for_update().get(pk=kind.pk)
    scope_change_check(kind=locked, scope=scope, reason=reason)
    if locked.cap_scope == scope:
        raise ValidationError(
            {"cap_scope": SCOPE_UNCHANGED.format(kind=locked.name, scope=CapScope(scope).label)}
        )
    change = CapScopeChange.objects.create(
        kind=locked,
        from_scope=locked.cap_scope,
        to_scope=scope,
        reason=reason.strip()[:300],
        changed_by=acting_user,
    )
    locked.cap_scope = scope
    locked.save(update_fields=["cap_scope"])
    kind.cap_scope = scope
    return change
