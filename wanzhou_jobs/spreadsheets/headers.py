"""Finding the header of an upload (DESIGN.md §5): in the first rows, by name or alias after NFKC (full-width
brackets and spaces), without spaces, `*`, (必填) and (选填); over two rows when a group cell is merged above
its sub-headers; a spelling a character or two off a known one taken for it, with a warning."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .cells import clean_text
from .core import (
    HEADER_DUPLICATE,
    HEADER_MISSING,
    HEADER_TAKEN_AS,
    UNKNOWN_COLUMNS_IGNORED,
    SpreadsheetError,
    _error,
)


class HeaderMissing(SpreadsheetError):
    """No row of the first ones holds every required header: the clerk may say which column is which."""

    def __init__(self, message, *, missing: list[str]):
        super().__init__(message)
        self.missing = missing


def _header_key(value) -> str:
    """Header text as matched: NFKC, no spaces or invisible characters, no `*`, (必填) or (选填) marks."""
    text = "".join(ch for ch in clean_text(value) if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return text.strip("*").removesuffix("(必填)").removesuffix("(选填)").strip("*")


header_key = _header_key  # for callers that remember a file's header texts (a column mapping)


def _quoted(names: Iterable[str]) -> str:
    return "、".join(f"“{name}”" for name in names)


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of two short texts, or `limit + 1` as soon as it is known to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _close_match(key: str, known: dict[str, str]) -> str | None:
    """The one header name whose spelling `key` misses by a character or two (身分证号码 → 公民身份号码 through
    its alias 身份证号码), or None when none or several are that close. The shorter of the two spellings
    decides how close: two characters or fewer must be exact, up to five one edit is allowed, beyond that
    two (紧急联系电话 is no 联系电话)."""
    best, names = 3, set()
    for spelling, name in known.items():
        shorter = min(len(key), len(spelling))
        limit = 0 if shorter <= 2 else 1 if shorter <= 5 else 2
        distance = _edit_distance(key, spelling, min(limit, best))
        if distance > limit:
            continue
        if distance < best:
            best, names = distance, {name}
        elif distance == best:
            names.add(name)
    return next(iter(names)) if len(names) == 1 else None


@dataclass
class _Header:
    columns: dict[str, int]  # header name → 0-based column
    unknown: list[str]  # texts of the columns ignored
    guessed: list[tuple[str, str]]  # (text in the file, header name it was taken for)
    duplicate: str | None  # a header name given by two columns


def _match_header(values: list, known: dict[str, str], mapping: Mapping[str, str] | None = None) -> _Header:
    """The header names `values` hold. `mapping` (a file header's key → header name, or "" for a column
    not to read) is what a clerk confirmed for this file's columns: it comes before names and aliases."""
    header = _Header(columns={}, unknown=[], guessed=[], duplicate=None)
    pending = []
    for index, value in enumerate(values):
        key = _header_key(value)
        if not key:
            continue
        name = mapping.get(key) if mapping and key in mapping else known.get(key)
        if name == "":
            continue  # mapped to no field: not read, and no warning
        if name is None:
            pending.append((index, key, clean_text(value)))
        elif name in header.columns:
            header.duplicate = header.duplicate or name
        else:
            header.columns[name] = index
    for index, key, text in pending:
        name = _close_match(key, known)
        if name is not None and name not in header.columns:
            header.columns[name] = index
            header.guessed.append((text, name))
        else:
            header.unknown.append(text)
    return header


def _merged(upper: list, lower: list) -> list:
    """A header over two rows read as one: each column's lower cell, or the upper one where the lower is empty
    (a group cell merged across sub-headers keeps its text in its first column only; a header merged down
    two rows keeps it in the upper row)."""
    width = max(len(upper), len(lower))
    upper, lower = upper + [None] * (width - len(upper)), lower + [None] * (width - len(lower))
    return [low if _header_key(low) else high for high, low in zip(upper, lower, strict=True)]


def find_header(
    rows: Iterator[tuple[int, list]],
    *,
    required: list[str],
    optional: list[str],
    aliases: Mapping[str, Iterable[str]],
    header_search_rows: int,
    mapping: Mapping[str, str] | None = None,
) -> tuple[int, _Header, Iterator[tuple[int, list]]]:
    """(header row number, the header, the rows after it). Raises HeaderMissing or HEADER_DUPLICATE.
    `mapping`: file header text → header name ("" to leave a column out), confirmed by a clerk."""
    known: dict[str, str] = {}  # matched spelling → header name
    for name in [*required, *optional]:
        key = _header_key(name)
        if not key or key in known:
            raise ValueError(f"header {name!r} is empty or given twice")
        known[key] = name
    asked = set(known.values())
    for name, spellings in aliases.items():
        for spelling in spellings if name in asked else ():
            key = _header_key(spelling)
            if not key or known.setdefault(key, name) != name:
                raise ValueError(f"alias {spelling!r} of {name!r} is empty or names another header")
    wanted = set(required)
    mapping = {_header_key(text): name for text, name in (mapping or {}).items() if _header_key(text)}
    unknown_names = set(mapping.values()) - asked - {""}
    if unknown_names:
        raise ValueError(f"mapping names headers not asked for: {sorted(unknown_names)}")

    found: _Header | None = None
    header_row = 0
    best: set[str] = set()
    previous: list | None = None
    for number, values in rows:
        if number > header_search_rows:
            break
        candidates = [values] if previous is None else [values, _merged(previous, values)]
        for candidate in candidates:
            header = _match_header(candidate, known, mapping)
            present = wanted & header.columns.keys()
            if present == wanted:
                found, header_row = header, number
                break
            if len(present) > len(best):
                best = present
        if found is not None:
            found_values = candidate
            break
        previous = values
    if found is not None:
        # Sub-headers under the header row found (a group cell merged above them): a next row with text
        # only where the header row is empty that names more columns is the header's second row.
        following = next(rows, None)
        if following is not None:
            number, values = following
            merged = _match_header(_merged(found_values, values), known, mapping)
            under = [values[index] for index in found.columns.values() if index < len(values)]
            if (
                number == header_row + 1
                and not any(map(_header_key, under))
                and len(merged.columns) > len(found.columns)
            ):
                found, header_row = merged, number
            else:
                rows = itertools.chain([following], rows)
    if found is None:
        missing = [name for name in required if name not in best]
        raise HeaderMissing(
            str(HEADER_MISSING).format(rows=header_search_rows, headers=_quoted(missing)), missing=missing
        )
    if found.duplicate is not None:
        raise _error(HEADER_DUPLICATE, header=found.duplicate)

    return header_row, found, rows


def header_warnings(found: _Header) -> list[str]:
    warnings = [str(HEADER_TAKEN_AS).format(header=text, name=name) for text, name in found.guessed]
    if found.unknown:
        warnings.append(str(UNKNOWN_COLUMNS_IGNORED).format(headers=_quoted(found.unknown)))
    return warnings


@dataclass
class Column:
    index: int  # 0-based
    text: str  # the header cell as written
    samples: list[str]  # the first values under it


def sheet_columns(
    rows: Iterator[tuple[int, list]],
    *,
    names: Iterable[str],
    aliases: Mapping[str, Iterable[str]],
    header_search_rows: int,
    samples: int,
) -> tuple[int, list[Column]]:
    """The columns of a file whose header was not found, for a clerk to map: the header row taken is the one
    of the first rows naming the most known headers (then the one with the most texts: not a title), and
    each column comes with its first `samples` non-empty values."""
    known = {_header_key(name): name for name in names}
    for name, spellings in aliases.items():
        for spelling in spellings:
            known.setdefault(_header_key(spelling), name)
    best: tuple[int, int] = (-1, -1)
    header_row, header_values = 0, []
    first: list[tuple[int, list]] = []
    for number, values in rows:
        first.append((number, values))
        if number > header_search_rows:
            break
        texts = [_header_key(v) for v in values]
        score = (len({known[t] for t in texts if t in known}), sum(1 for t in texts if t))
        if score > best:
            best, header_row, header_values = score, number, values
    columns = [
        Column(index, clean_text(value), [])
        for index, value in enumerate(header_values)
        if _header_key(value)
    ]
    for number, values in itertools.chain(first, rows):
        if number <= header_row:
            continue
        if all(len(c.samples) >= samples for c in columns):
            break
        for column in columns:
            value = values[column.index] if column.index < len(values) else None
            text = clean_text(value)
            if text and len(column.samples) < samples:
                column.samples.append(text[:40])
    return header_row, columns
