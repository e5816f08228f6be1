"""Markdown + YAML front matter -> `Pack`, with every structural problem named by file and place.

Layout of a pack file:

    ---
    <YAML front matter: PackMeta>
    ---
    # Any title and notes for humans (ignored)
    ## system
    ...
    ## fallback template (en, direct)
    Subject: ...

`##` headings inside fenced code blocks are content, not sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from gtm.packs.catalog import content_version
from gtm.packs.model import SECTION_NAMES, Pack, PackError, PackMeta, PackSection


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    line: int | None = None


class PackFormatError(PackError):
    """The file is not a well-formed pack; `problems` lists everything found, not just the first."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        first = problems[0]
        more = f" (+{len(problems) - 1} more: run `gtm pack:lint`)" if len(problems) > 1 else ""
        super().__init__(f"{source}: {first.where}: {first.message}{more}")


_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*#*\s*$")
_TITLE = re.compile(r"^(?P<name>[^()]+?)\s*(?:\((?P<qualifiers>[^()]*)\))?$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def parse_pack_file(path: Path) -> Pack:
    return parse_pack(path.read_bytes(), source=str(path), path=path)


def parse_pack(data: bytes | str, *, source: str = "<pack>", path: Path | None = None) -> Pack:
    """Parse a whole pack file; raises `PackFormatError` listing every structural problem."""
    pack, problems = parse_pack_leniently(data, path=path)
    if problems or pack is None:
        raise PackFormatError(source, problems)
    return pack


def parse_pack_leniently(data: bytes | str, *,
                         path: Path | None = None) -> tuple[Pack | None, list[Problem]]:
    """(the pack as far as it parsed, the structural problems): lint keeps checking a pack with
    a bad section so an author sees every problem in one run. None without valid front matter."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        return None, [Problem("file", f"not UTF-8 text ({exc.reason})")]
    problems: list[Problem] = []
    front, body_start = _split_front_matter(text, problems)
    meta = _parse_meta(front, problems) if front is not None else None
    sections = _parse_sections(text.split("\n"), body_start, meta, problems)
    if meta is None:
        return None, problems
    return Pack(meta=meta, sections=tuple(sections), version=content_version(raw),
                path=path), problems


def _split_front_matter(text: str, problems: list[Problem]) -> tuple[str | None, int]:
    """(front matter text, index of the first body line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem("front matter", "missing: the file must start with '---'", 1))
        return None, 0
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), index + 1
    problems.append(Problem("front matter", "not closed: add a '---' line after it", 1))
    return None, len(lines)


def _parse_meta(front: str, problems: list[Problem]) -> PackMeta | None:
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for the '---' line, +1 1-based
        reason = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        problems.append(Problem("front matter", f"invalid YAML: {reason}", line))
        return None
    if not isinstance(data, dict):
        problems.append(Problem("front matter", "must be a YAML mapping of fields", 2))
        return None
    try:
        return PackMeta.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "front matter"
            problems.append(Problem(f"front matter field {field}", error["msg"],
                                    _field_line(front, error["loc"])))
        return None


def _field_line(front: str, loc: tuple) -> int | None:
    """Best-effort line of the top-level key a validation error is about."""
    if not loc:
        return None
    key = str(loc[0])
    for index, line in enumerate(front.split("\n")):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return index + 2
    return 1


def _parse_sections(lines: list[str], start: int, meta: PackMeta | None,
                    problems: list[Problem]) -> list[PackSection]:
    headings: list[tuple[int, str]] = []
    in_fence = False
    for index in range(start, len(lines)):
        if _FENCE.match(lines[index]):
            in_fence = not in_fence
        elif not in_fence and (match := _HEADING.match(lines[index])):
            headings.append((index, match.group("title")))
    sections: list[PackSection] = []
    seen: dict[tuple, int] = {}
    for position, (index, title) in enumerate(headings):
        end = headings[position + 1][0] if position + 1 < len(headings) else len(lines)
        section = _section(title, lines, index, end, meta, problems)
        if section is None:
            continue
        # Without front matter qualifiers stay unclassified: compare the headings as written.
        key = ((section.name, section.language, section.variant) if meta is not None
               else " ".join(title.lower().split()))
        if key in seen:
            problems.append(Problem(f"section '## {section.heading}'",
                                    f"written twice (first at line {seen[key]})", index + 1))
            continue
        seen[key] = index + 1
        sections.append(section)
    present = {s.name for s in sections}
    for name in SECTION_NAMES:
        if name not in present:
            problems.append(Problem(f"section '## {name}'", "missing"))
    return sections


def _section(title: str, lines: list[str], index: int, end: int, meta: PackMeta | None,
             problems: list[Problem]) -> PackSection | None:
    where = f"section '## {title}'"
    match = _TITLE.match(title)
    name = " ".join(match.group("name").lower().split()) if match else title
    if match is None or name not in SECTION_NAMES:
        problems.append(Problem(where, f"unknown section (known: {', '.join(SECTION_NAMES)})",
                                index + 1))
        return None
    language = variant = None
    qualifiers = [q.strip() for q in (match.group("qualifiers") or "").split(",") if q.strip()]
    for qualifier in qualifiers:
        if meta is None:
            continue  # the front matter already failed; qualifiers cannot be classified
        if qualifier in meta.languages and language is None:
            language = qualifier
        elif qualifier in {v.name for v in meta.variants} and variant is None:
            variant = qualifier
        else:
            problems.append(Problem(where, f"qualifier {qualifier!r} is not one of the pack's "
                                    "languages or variants, or repeats one", index + 1))
            return None  # unqualified, it would pass for the default section
    body = lines[index + 1:end]
    first = next((i for i, line in enumerate(body) if line.strip()), None)
    if first is None:
        problems.append(Problem(where, "empty", index + 1))
        return None
    text = "\n".join(body[first:]).strip()
    return PackSection(name=name, language=language, variant=variant, text=text,
                       line=index + 1, text_line=index + 2 + first)
