"""Reads of reference data: resolving what a clerk typed (name, code, former code) to a township or industry.

Resolution works on a lookup table built with one query, so an import resolves thousands of rows without a
query per row. Township codes are accepted in the 9-digit form, the 12-digit form (9 digits + ``000``) and
the former code of the three streets that were towns (高峰, 天城, 九池), per DESIGN.md §3.
"""

import csv
import re
import unicodedata
from pathlib import Path

from django.db.models import Sum

from .models import Industry, IndustryTarget, PlanYear, Township, TownshipTarget

_PUNCTUATION = re.compile(r"[\s、，,（）()·．.\-—]+")


def _key(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return _PUNCTUATION.sub("", text)


def township_spellings(*, code: str, name: str, former_code: str = "") -> list[str]:
    """The accepted spellings of one township: its name, its 9- and 12-digit code, and the former code of a
    street that was a town, in both lengths (DESIGN.md §3)."""
    spellings = [name, code, code + "000"]
    if former_code:
        spellings += [former_code, former_code + "000"]
    return spellings


def township_lookup() -> dict[str, Township]:
    """Every accepted spelling of every township → the township (one query)."""
    table: dict[str, Township] = {}
    for township in Township.objects.all():
        for spelling in township_spellings(
            code=township.code, name=township.name, former_code=township.former_code
        ):
            table[_key(spelling)] = township
    return table


def township_resolve(value: object, table: dict[str, Township] | None = None) -> Township | None:
    table = township_lookup() if table is None else table
    return table.get(_key(value))


def industry_spellings(*, code: str, name: str) -> list[str]:
    """The accepted spellings of one industry: the annex-2 name, the name without its parenthesis (建筑业),
    either without punctuation (农林牧渔业), and the code as ``02`` or ``2``; no repeats."""
    short = name.split("（")[0].split("(")[0]
    spellings = [name, short, _key(name), _key(short), code, str(int(code))]
    return list(dict.fromkeys(spellings))


def industry_lookup() -> dict[str, Industry]:
    """Every accepted spelling of every industry → the industry (one query)."""
    table: dict[str, Industry] = {}
    for industry in Industry.objects.all():
        for spelling in industry_spellings(code=industry.code, name=industry.name):
            table.setdefault(_key(spelling), industry)
    return table


def industry_resolve(value: object, table: dict[str, Industry] | None = None) -> Industry | None:
    table = industry_lookup() if table is None else table
    return table.get(_key(value))


def reference_spellings(fixtures_dir: Path) -> dict[str, list[str]]:
    """`{"township": […], "industry": […]}`: every accepted spelling of the townships and industries of the
    reference files (`townships.csv`, `industries.csv` in `fixtures_dir`), in file order. For the API
    schema's enums, which are built when the URLs are loaded, before any database is at hand."""

    def rows(name: str) -> list[dict[str, str]]:
        with (fixtures_dir / name).open(encoding="utf-8-sig", newline="") as handle:
            return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]

    townships = [
        spelling
        for row in rows("townships.csv")
        for spelling in township_spellings(code=row["code"], name=row["name"], former_code=row["former_code"])
    ]
    industries = [
        spelling
        for row in rows("industries.csv")
        for spelling in industry_spellings(code=row["code"], name=row["name"])
    ]
    return {"township": list(dict.fromkeys(townships)), "industry": list(dict.fromkeys(industries))}


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
