"""Prompts are files in ``prompts/``. Loading one checks that it has exactly the placeholders
its caller fills, naming the file and the missing one otherwise; each answer records the
prompt's name and hash."""
from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from evidence_assistant.core.data_files import data_file
from evidence_assistant.core.errors import PromptError

# ``prompts/`` of the checkout, or the copy packaged in the installed wheel.
DEFAULT_DIR = data_file("prompts")

# The placeholders each prompt must have.
REQUIRED: dict[str, frozenset[str]] = {
    "system": frozenset(),
    "answer": frozenset({"question", "passages"}),
    "condense_question": frozenset({"history", "question"}),
}


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    sha256: str

    def format(self, **values: str) -> str:
        return self.text.format(**values)

    def record(self) -> dict[str, str]:
        return {"name": self.name, "sha256": self.sha256}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def load_prompt(name: str, prompts_dir: Path | None = None) -> Prompt:
    path = Path(prompts_dir or DEFAULT_DIR) / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"prompt file {path} cannot be read ({exc.strerror}); restore it from the project") from exc
    try:
        found = placeholders(text)
    except ValueError as exc:
        raise PromptError(f"prompt file {path} has a malformed placeholder ({exc}); write literal braces as {{{{ }}}}") from exc
    need = REQUIRED.get(name, frozenset())
    missing = sorted(need - found)
    if missing:
        raise PromptError(f"prompt file {path} lacks the placeholder {{{missing[0]}}}; add it where the "
                          f"{missing[0]} should go")
    extra = sorted(found - need)
    if extra:
        raise PromptError(f"prompt file {path} has an unknown placeholder {{{extra[0]}}}; "
                          f"it may use only {', '.join('{' + n + '}' for n in sorted(need)) or 'none'}")
    return Prompt(name, text, hashlib.sha256(text.encode()).hexdigest())
