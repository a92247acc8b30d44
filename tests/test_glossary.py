"""GLOSSARY.md stays current (STYLE.md, "Language"; issue 22, item 9).

Two checks, no database: every model of the project's apps has a table row naming its `verbose_name` beside
its class, and every identifier a table row names in backticks still exists. An identifier is either
CamelCase-headed (`Model`, `Model.field`, `Enum.MEMBER`, `Model.Enum.MEMBER`), looked up among the names the
apps' `models` modules define or import, or a dotted path starting with an app (`workers.selectors.cumulative`),
imported. Anything else in backticks (commands, codes, paths, lower-case words) is left alone.
"""

import importlib
import re
from pathlib import Path

from django.apps import apps
from django.utils import translation

GLOSSARY = Path(__file__).resolve().parent.parent / "GLOSSARY.md"
PROJECT_APPS = ("targets", "workers", "assistance", "subsidies", "reporting", "monitoring", "wanzhou_jobs")
BACKTICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)`")
MISSING = object()


def _rows() -> list[tuple[int, list[str], list[str], list[str]]]:
    """Each table row: line number, the Chinese terms of its first cell, the backticked identifiers of its
    second cell (the identifier column) and of the whole row (meanings and aliases name identifiers too)."""
    rows = []
    for number, line in enumerate(GLOSSARY.read_text(encoding="utf-8").splitlines(), start=1):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if (
            not line.lstrip().startswith("|")
            or len(cells) < 2
            or cells[0] == "中文术语"
            or set(cells[0]) <= set("-: ")
        ):
            continue
        terms = [term.strip() for term in cells[0].split("/")]
        rows.append((number, terms, BACKTICKED.findall(cells[1]), BACKTICKED.findall(line)))
    return rows


def _project_models() -> list:
    return [model for model in apps.get_models() if model._meta.app_config.name in PROJECT_APPS]


def _namespace() -> dict[str, list]:
    """Every name the apps' models modules define or import: models, enums, constants."""
    names: dict[str, list] = {}
    for app in PROJECT_APPS:
        for name, value in vars(importlib.import_module(f"{app}.models")).items():
            names.setdefault(name, []).append(value)
    return names


def _follow(value, attributes: list[str]):
    for attribute in attributes:
        value = getattr(value, attribute, MISSING)
        if value is MISSING:
            return MISSING
    return value


def _resolve(identifier: str, namespace: dict[str, list]):
    """The object an identifier names, MISSING if it names nothing, None if it is not an identifier we check."""
    parts = identifier.split(".")
    head = parts[0]
    if head in PROJECT_APPS:
        for end in range(len(parts), 0, -1):
            try:
                module = importlib.import_module(".".join(parts[:end]))
            except ModuleNotFoundError:
                continue
            return _follow(module, parts[end:])
        return MISSING
    if head[0].isupper() and any(char.islower() for char in head):
        for candidate in namespace.get(head, []):
            value = _follow(candidate, parts[1:])
            if value is not MISSING:
                return value
        return MISSING
    return None


def test_glossary_parses():
    rows = _rows()
    assert len(rows) > 100, "GLOSSARY.md: expected its tables (| 中文术语 | identifier | meaning |)"
    assert sum(len(identifiers) for _, _, identifiers, _ in rows) > 150


def test_every_model_has_its_verbose_name_in_the_glossary():
    rows = _rows()
    missing = []
    with translation.override(None):
        for model in _project_models():
            term = str(model._meta.verbose_name)
            if not any(term in terms and model.__name__ in identifiers for _, terms, identifiers, _ in rows):
                missing.append(f"{term} → `{model.__name__}` ({model._meta.label})")
    assert not missing, "GLOSSARY.md lacks a row for these models:\n" + "\n".join(missing)


def test_every_identifier_in_the_glossary_exists():
    namespace = _namespace()
    stale = []
    checked = 0
    for number, _, _, identifiers in _rows():
        for identifier in identifiers:
            value = _resolve(identifier, namespace)
            if value is None:
                continue
            checked += 1
            if value is MISSING:
                stale.append(f"GLOSSARY.md:{number}: `{identifier}`")
    assert checked > 150
    assert not stale, "GLOSSARY.md names identifiers that no longer exist:\n" + "\n".join(stale)
