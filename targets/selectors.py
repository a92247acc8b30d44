"""Reads of reference data: resolving what a clerk typed (name, code, former code) to a township or industry.

Resolution works on a lookup table built with one query, so an import resolves thousands of rows without a
query per row. Township codes are accepted in the 9-digit form, the 12-digit form (9 digits + ``000``) and
the former code of the three streets that were towns (高峰, 天城, 九池), per DESIGN.md §3.
"""

import re
import unicodedata

from django.db.models import Sum

from .models import Industry, IndustryTarget, PlanYear, Township, TownshipTarget

_PUNCTUATION = re.compile(r"[\s、，,（）()·．.\-—]+")


def _key(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return _PUNCTUATION.sub("", text)


def township_lookup() -> dict[str, Township]:
    """Every accepted spelling of every township → the township (one query)."""
    table: dict[str, Township] = {}
    for township in Township.objects.all():
        table[_key(township.name)] = township
        table[township.code] = township
        table[township.code + "000"] = township
        if township.former_code:
            table[township.former_code] = township
            table[township.former_code + "000"] = township
    return table


def township_resolve(value: object, table: dict[str, Township] | None = None) -> Township | None:
    table = township_lookup() if table is None else table
    return table.get(_key(value))


def industry_lookup() -> dict[str, Industry]:
    """Every accepted spelling of every industry → the industry (one query).

    Accepted: the annex-2 name, the name without its parenthesis (建筑业), the name without punctuation
    (农林牧渔业), and the code as ``02`` or ``2``.
    """
    table: dict[str, Industry] = {}
    for industry in Industry.objects.all():
        table[_key(industry.name)] = industry
        short = industry.name.split("（")[0].split("(")[0]
        table.setdefault(_key(short), industry)
        table[industry.code] = industry
        table.setdefault(str(int(industry.code)), industry)
    return table


def industry_resolve(value: object, table: dict[str, Industry] | None = None) -> Industry | None:
    table = industry_lookup() if table is None else table
    return table.get(_key(value))


def target_sums(*, year: int) -> dict:
    """The district goal of a year beside the sums of its township and industry targets."""
    plan_year = PlanYear.objects.filter(year=year).first()
    township_sum = TownshipTarget.objects.filter(plan_year_id=year).aggregate(s=Sum("target"))["s"] or 0
    industry_sum = IndustryTarget.objects.filter(plan_year_id=year).aggregate(s=Sum("target"))["s"] or 0
    goal = plan_year.nearby_goal if plan_year else None
    return {
        "year": year,
        "goal": goal,
        "township_sum": township_sum,
        "industry_sum": industry_sum,
        "consistent": goal is not None and goal == township_sum == industry_sum,
    }
