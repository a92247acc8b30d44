"""The current 就业意愿 and 求职意向 of a person (issue 20, item 7): their latest `IntentionRecord` (latest date,
then latest entered). Annotated onto worker querysets, so the worklist and its export read the same values.
"""

import re
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from ..models import IntentionRecord, ServiceKind, ServiceRecord, WorkWish

INTENTION_FIELDS = {
    "wish": "wants_work",
    "wish_intention": "job_intention",
    "wish_recorded_on": "recorded_on",
}


def with_intention(workers: QuerySet, *, worker_ref: str = "pk") -> QuerySet:
    """`workers` annotated with `wish` (yes / no / None), `wish_intention` and `wish_recorded_on`."""
    latest = IntentionRecord.objects.filter(worker=OuterRef(worker_ref)).order_by("-recorded_on", "-id")
    return workers.annotate(
        **{name: Subquery(latest.values(field)[:1]) for name, field in INTENTION_FIELDS.items()}
    )


def wish_label(value: str | None) -> str:
    return WorkWish(value).label if value else ""


#: What separates the parts of a 求职意向 typed as "电焊工、万州城区 / 制造业".
_INTENTION_PARTS = re.compile(r"[、，,；;/／\s]+")
#: Words of an intention that name no job (placed after a part, they are dropped: "电焊工作" → "电焊").
_FILLERS = ("工作", "岗位", "方面", "相关", "类")


def intention_terms(text: str) -> list[str]:
    """The parts of a 求职意向 a job push can be matched on: split at separators, fillers dropped, parts of
    at least two characters ("电焊工、万州城区 / 制造业" → 电焊工, 万州城区, 制造业)."""
    terms = []
    for part in _INTENTION_PARTS.split(text or ""):
        for filler in _FILLERS:
            if part.endswith(filler) and len(part) > len(filler) + 1:
                part = part[: -len(filler)]
        if len(part) >= 2:
            terms.append(part)
    return terms


def push_matches(intention: str, *, employer_name: str, post_name: str) -> bool | None:
    """Whether a 1131 job push meets the person's 求职意向 (city document §二(二): "求职意向" kept up to date to
    guide the pushes): a part of the intention appears in the post or the employer's name. None when there is
    no intention to match against."""
    terms = intention_terms(intention)
    if not terms:
        return None
    pushed = f"{employer_name} {post_name}"
    return any(term in pushed for term in terms)


def pushes_against_intentions(worker, pushes) -> list[tuple[ServiceRecord, str, bool | None]]:
    """Each job push of `pushes` with the 求职意向 recorded on or before its date (the person's intention when
    it was pushed) and whether it matched; other services pass through with ("", None)."""
    history = list(IntentionRecord.objects.filter(worker=worker).order_by("recorded_on", "id"))

    def intention_on(day: date) -> str:
        current = ""
        for record in history:
            if record.recorded_on > day:
                break
            current = record.job_intention
        return current

    out = []
    for record in pushes:
        if record.kind != ServiceKind.JOB_PUSH:
            out.append((record, "", None))
            continue
        intention = intention_on(record.date)
        match = push_matches(intention, employer_name=record.employer_name, post_name=record.post_name)
        out.append((record, intention, match))
    return out
