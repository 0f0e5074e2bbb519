"""The commitments registry: what the Government committed to, how the Expert Panel rated it,
and the passages that say so.

``corpus/commitments.yaml`` is data that answers questions such as "which commitments were rated
inadequate?" without retrieval, but it is only trustworthy if every entry is cited. So each entry
carries evidence references (a sample file plus a paragraph and/or page), and this module can
resolve those references against indexed passages: ``check_references`` lists every one that
does not resolve.

Public API: ``load_registry``, ``resolve_reference``, ``check_references``, ``format_table``,
``registry_to_dict``, ``cli_commitments`` and the models ``Registry``, ``Commitment``, ``Rating``,
``EvidenceRef``.
"""
from __future__ import annotations

import json
import re
import sys
import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evidence_assistant.core.errors import RegistryError
from evidence_assistant.core.types import Passage

__all__ = [
    "RATING_VALUES",
    "DEFAULT_REGISTRY",
    "EvidenceRef",
    "Rating",
    "Deadline",
    "Progress",
    "PolicyArea",
    "Evaluation",
    "Commitment",
    "Registry",
    "load_registry",
    "resolve_reference",
    "check_references",
    "format_table",
    "registry_to_dict",
    "cli_commitments",
]

from evidence_assistant.core.data_files import data_file  # noqa: E402

# ``corpus/commitments.yaml`` of the checkout, or the copy packaged in the installed wheel.
DEFAULT_REGISTRY = data_file("corpus", "commitments.yaml")

RatingValue = Literal["inadequate", "requires improvement", "good", "outstanding", "not known"]
RATING_VALUES: tuple[str, ...] = ("inadequate", "requires improvement", "good", "outstanding", "not known")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A partial ISO date: the record often gives only a month ("March 2023") or a year ("2024").
_PARTIAL_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _partial_date(value: Any) -> Any:
    """Accept YYYY, YYYY-MM or YYYY-MM-DD (YAML may hand over an int or a date) and check ranges."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY")
    m = _PARTIAL_DATE_RE.match(value.strip())
    if not m:
        raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY")
    y, mo, d = m.groups()
    try:
        dt.date(int(y), int(mo or 1), int(d or 1))
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date; use YYYY-MM-DD, YYYY-MM or YYYY") from None
    return value.strip()


class _Model(BaseModel):
    # Unknown keys are typos more often than extensions; numbers in YAML ("12") become strings.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True)


class EvidenceRef(_Model):
    """A citation into the sample corpus: a file name plus a paragraph number and/or page label."""

    doc: str = Field(min_length=1, description="File name of a document in corpus/sample/ (no folder).")
    paragraph: str | None = Field(None, description="The document's own paragraph number, e.g. '12'.")
    page: str | None = Field(None, description="The page as printed (the PDF page label), e.g. 'ii' or '3'.")
    note: str | None = None

    @field_validator("doc")
    @classmethod
    def _bare_name(cls, v: str) -> str:
        if "/" in v or "\\" in v:
            raise ValueError(f"{v!r} must be a file name without a folder")
        return v

    @model_validator(mode="after")
    def _has_locator(self) -> "EvidenceRef":
        if not self.paragraph and not self.page:
            raise ValueError("needs a paragraph or a page")
        return self

    def label(self) -> str:
        parts = [self.doc]
        if self.page:
            parts.append(f"p. {self.page}")
        if self.paragraph:
            parts.append(f"para. {self.paragraph}")
        return ", ".join(parts)


class Rating(_Model):
    value: RatingValue
    rater: str | None = None
    date: dt.date | None = None
    basis: Literal["stated", "derived", "none"] = "stated"

    @model_validator(mode="after")
    def _consistent(self) -> "Rating":
        if self.value == "not known":
            if self.basis != "none":
                raise ValueError("basis must be 'none' when the value is 'not known'")
        else:
            if not self.rater:
                raise ValueError(f"a rating of {self.value!r} needs a rater")
            if self.date is None:
                raise ValueError(f"a rating of {self.value!r} needs a date")
            if self.basis == "none":
                raise ValueError("basis 'none' is only for the value 'not known'")
        return self


class Deadline(_Model):
    date: str
    target: str = Field(min_length=1)
    note: str | None = None

    _check_date = field_validator("date", mode="before")(_partial_date)


class Progress(_Model):
    date: str
    summary: str = Field(min_length=1)
    evidence: list[EvidenceRef] = Field(min_length=1)

    _check_date = field_validator("date", mode="before")(_partial_date)


class PolicyArea(_Model):
    number: int
    name: str


class Evaluation(_Model):
    title: str
    reference: str | None = None
    date: dt.date
    rater: str
    overall_rating: RatingValue
    commitments_evaluated: int | None = None
    note: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)


class Commitment(_Model):
    id: str
    title: str = Field(min_length=1)
    commitment: str = Field(min_length=1)
    made_in: str | None = None
    keywords: list[str] = Field(default_factory=list, description="Other words people use for it (helps match questions).")
    policy_area: int | None = None
    area_note: str | None = None
    commitments_covered: int = Field(1, ge=1, description="How many of the Panel's commitments this entry stands for.")
    deadlines: list[Deadline] = Field(default_factory=list)
    panel_evaluated: Literal["yes", "no", "not known"]
    rating: Rating
    rating_note: str | None = None
    evidence: list[EvidenceRef] = Field(min_length=1)
    progress: list[Progress] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError(f"{v!r} must be lower-case letters, digits and hyphens")
        return v

    @field_validator("panel_evaluated", mode="before")
    @classmethod
    def _yaml_booleans(cls, v: Any) -> Any:
        # YAML 1.1 reads an unquoted yes/no as a boolean.
        if v is True:
            return "yes"
        if v is False:
            return "no"
        return v

    @model_validator(mode="after")
    def _rating_fits(self) -> "Commitment":
        if self.panel_evaluated != "yes" and self.rating.value != "not known":
            raise ValueError(f"rating.value is {self.rating.value!r} but panel_evaluated is "
                             f"{self.panel_evaluated!r}; only an evaluated commitment has a Panel rating")
        if self.rating.basis in ("derived", "none") and not self.rating_note:
            raise ValueError(f"rating_note is required to explain a rating whose basis is {self.rating.basis!r}")
        return self

    def references(self) -> list[EvidenceRef]:
        refs = list(self.evidence)
        for p in self.progress:
            refs.extend(p.evidence)
        return refs


class Registry(_Model):
    version: int = 1
    evaluation: Evaluation | None = None
    policy_areas: list[PolicyArea] = Field(default_factory=list)
    commitments: list[Commitment] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Registry":
        seen: set[str] = set()
        for c in self.commitments:
            if c.id in seen:
                raise ValueError(f"duplicate commitment id {c.id!r}")
            seen.add(c.id)
        numbers = {a.number for a in self.policy_areas}
        for c in self.commitments:
            if c.policy_area is not None and c.policy_area not in numbers:
                raise ValueError(f"commitment {c.id!r}: policy_area {c.policy_area} is not one of "
                                 f"{', '.join(str(n) for n in sorted(numbers)) or '(none defined)'}")
        return self

    def get(self, commitment_id: str) -> Commitment:
        for c in self.commitments:
            if c.id == commitment_id:
                return c
        raise KeyError(commitment_id)

    def area_name(self, number: int | None) -> str | None:
        for a in self.policy_areas:
            if a.number == number:
                return a.name
        return None


# --- Loading -----------------------------------------------------------------------------------

def load_registry(path: Path | None = None) -> Registry:
    """Read and validate the registry (``corpus/commitments.yaml`` by default).

    Raises ``RegistryError`` naming the file, the entry id (or its position) and the field.
    """
    path = Path(path) if path is not None else DEFAULT_REGISTRY
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{path}: commitments registry not found; pass the path of commitments.yaml") from None
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the commitments registry: {exc.strerror or exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RegistryError(f"{path.name}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(raw, dict):
        raise RegistryError(f"{path.name}: the top level must be a mapping with a 'commitments' list")
    if not isinstance(raw.get("commitments"), list):
        raise RegistryError(f"{path.name}: field 'commitments' must be a list of entries")
    try:
        return Registry.model_validate(raw)
    except ValidationError as exc:
        raise RegistryError("\n".join(_describe_errors(path.name, raw, exc))) from None


def _describe_errors(file_name: str, raw: dict[str, Any], exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        prefix = f"{file_name}:"
        if len(loc) >= 2 and loc[0] == "commitments" and isinstance(loc[1], int):
            index = loc[1]
            entry = raw["commitments"][index] if index < len(raw["commitments"]) else None
            entry_id = entry.get("id") if isinstance(entry, dict) else None
            prefix += f" entry '{entry_id}'" if isinstance(entry_id, str) and entry_id else f" entry #{index + 1} (no id)"
            loc = loc[2:]
        field = _dotted(loc)
        if field:
            prefix += f" field '{field}'"
        lines.append(f"{prefix}: {_detail(err)}")
    return lines


def _dotted(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _detail(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    value = err.get("input")
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        return f"{value!r} is not one of {', '.join(expected)}"
    if kind == "missing":
        return "is missing (required)"
    if kind == "extra_forbidden":
        return f"is not a known field (value {value!r}); check the spelling"
    if kind.startswith("date_"):
        return f"{value!r} is not a valid date; use YYYY-MM-DD"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


# --- Resolving references against passages ----------------------------------------------------

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def _roman_value(s: str) -> int | None:
    t = s.lower()
    if not t or any(ch not in _ROMAN for ch in t):
        return None
    total = 0
    for i, ch in enumerate(t):
        v = _ROMAN[ch]
        total += -v if i + 1 < len(t) and _ROMAN[t[i + 1]] > v else v
    return total


def _sort_key(label: str) -> tuple[str, tuple[int, ...]] | None:
    """A comparable key for a paragraph number or page label: '12' and '3.4' compare as numbers,
    roman page labels ('ii') as roman numerals; other labels only compare for equality."""
    s = label.strip()
    if re.fullmatch(r"\d+(?:\.\d+)*", s):
        return ("n", tuple(int(x) for x in s.split(".")))
    r = _roman_value(s)
    if r is not None:
        return ("r", (r,))
    return None


def _in_span(value: str, start: str | None, end: str | None) -> bool:
    if start is None:
        return False
    end = end or start
    v = value.strip()
    if v in (start.strip(), end.strip()):
        return True
    kv, ks, ke = _sort_key(v), _sort_key(start), _sort_key(end)
    if kv is None or ks is None or ke is None:
        return False  # labels that are not numbers only match exactly
    if ks[0] == ke[0]:
        return kv[0] == ks[0] and ks[1] <= kv[1] <= ke[1]
    if (ks[0], ke[0]) == ("r", "n"):
        # A span from roman front matter into the arabic-numbered body ('ii'..'3').
        return kv[1] >= ks[1] if kv[0] == "r" else kv[1] <= ke[1]
    return False


def _in_segments(ref: "EvidenceRef", passage: Passage) -> bool:
    """Exact check against the passage's per-block (offset, page, paragraph) segments, where the
    chunker provides them: right even when a span's ends are numbered differently."""
    segments = getattr(passage, "segments", None) or ()
    for seg in segments:
        try:
            _, page, paragraph = seg
        except (TypeError, ValueError):
            return False
        if ref.paragraph and (paragraph is None or str(paragraph).strip() != ref.paragraph):
            continue
        if ref.page and (page is None or str(page).strip() != ref.page):
            continue
        return True
    return False


def _same_document(passage_path: str | None, doc: str) -> bool:
    if not passage_path:
        return False
    # Compare whole file names so that 'a-report.html' does not match 'report.html'.
    return re.split(r"[\\/]", passage_path)[-1] == doc


def resolve_reference(ref: EvidenceRef, passages: Iterable[Passage]) -> list[Passage]:
    """The passages of ``ref.doc`` whose paragraph span holds ``ref.paragraph`` and whose page
    span holds ``ref.page`` (each only where the reference gives it); numbers compare
    numerically, roman page labels as roman numerals. Pure: no index access."""
    found = []
    for p in passages:
        if not _same_document(p.path, ref.doc):
            continue
        if getattr(p, "segments", None):
            hit = _in_segments(ref, p)  # exact, where the chunker records each block's locators
        else:
            hit = ((not ref.paragraph or _in_span(ref.paragraph, p.paragraph_start, p.paragraph_end))
                   and (not ref.page or _in_span(ref.page, p.page_start, p.page_end)))
        if hit:
            found.append(p)
    return found


def _all_references(registry: Registry) -> list[tuple[str, EvidenceRef]]:
    refs: list[tuple[str, EvidenceRef]] = []
    if registry.evaluation is not None:
        refs.extend(("evaluation", r) for r in registry.evaluation.evidence)
    for c in registry.commitments:
        refs.extend((f"entry '{c.id}'", r) for r in c.references())
    return refs


def check_references(registry: Registry, passages: Iterable[Passage]) -> list[str]:
    """Every reference that does not resolve, as a message naming the entry, the document and
    the locator; empty when all resolve."""
    pool = list(passages)
    indexed_docs = {re.split(r"[\\/]", p.path)[-1] for p in pool if p.path}
    problems = []
    for owner, ref in _all_references(registry):
        if ref.doc not in indexed_docs:
            problems.append(f"{owner}: {ref.doc} is not indexed; run `evidence ingest corpus/sample`")
        elif not resolve_reference(ref, pool):
            problems.append(f"{owner}: no passage of {ref.doc} holds {_locator(ref)}; "
                            "fix the reference in corpus/commitments.yaml or re-ingest the document")
    return problems


def _locator(ref: EvidenceRef) -> str:
    parts = []
    if ref.page:
        parts.append(f"page {ref.page}")
    if ref.paragraph:
        parts.append(f"paragraph {ref.paragraph}")
    return " and ".join(parts)


# --- Presenting --------------------------------------------------------------------------------

def _truncate(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _deadline_text(c: Commitment) -> str:
    return "; ".join(d.date for d in c.deadlines) if c.deadlines else "-"


def _area_text(registry: Registry, c: Commitment) -> str:
    if c.policy_area is None:
        return "not stated"
    name = registry.area_name(c.policy_area)
    return f"{c.policy_area} {name}" if name else str(c.policy_area)


def _rating_text(c: Commitment) -> str:
    text = c.rating.value
    if c.rating.basis == "derived":
        text += " (derived)"
    return text


def format_table(registry: Registry, *, width: int = 44) -> str:
    """A plain-text table: id, policy area, commitment (truncated), deadline, rating."""
    headers = ("id", "policy area", "commitment", "deadline", "rating")
    rows = [
        (c.id, _truncate(_area_text(registry, c), 28), _truncate(c.commitment, width), _deadline_text(c), _rating_text(c))
        for c in registry.commitments
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip()
    out = [line(headers), line(tuple("-" * w for w in widths))]
    out.extend(line(r) for r in rows)
    if registry.evaluation is not None:
        ev = registry.evaluation
        out.append("")
        out.append(f"Overall rating ({ev.reference or ev.title}, {ev.date.isoformat()}): {ev.overall_rating}. "
                   "'(derived)': follows from the stated ratings; see rating_note.")
    return "\n".join(out)


def registry_to_dict(registry: Registry) -> dict[str, Any]:
    """Plain data for JSON; each commitment also carries its policy area's name."""
    data = registry.model_dump(mode="json")
    for entry, c in zip(data["commitments"], registry.commitments):
        entry["policy_area_name"] = registry.area_name(c.policy_area)
    return data


def cli_commitments(*, json_out: bool = False, registry_path: Path | None = None) -> int:
    """`evidence commitments`: print the registry as a table (or JSON); 0 when it is valid."""
    try:
        registry = load_registry(registry_path)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if json_out:
        print(json.dumps(registry_to_dict(registry), indent=2, ensure_ascii=False))
    else:
        print(format_table(registry))
    return 0
