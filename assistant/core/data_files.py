"""Where the product finds its own data files: the prompts and the commitments registry.

In a checkout they are the project's folders (``prompts/``, ``corpus/commitments.yaml``), so an
edit there takes effect at once. An installed wheel carries copies of them as package data in
``evidence_assistant/_data/``, laid out as in the checkout (``_data/prompts/answer.md``,
``_data/corpus/commitments.yaml``); the wheel never reaches outside its own package, so a
``prompts`` or ``corpus`` folder belonging to anything else in the user's environment is never read.

Which case applies is decided by the name of the package folder: in the checkout it is
``assistant/`` (the folder the import name ``evidence_assistant`` maps to), once installed it is
``evidence_assistant/``.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["CHECKOUT", "DATA_ROOT", "data_file"]

_PACKAGE = Path(__file__).resolve().parents[1]

#: The project checkout the product runs from, or None when it runs from an installed wheel.
CHECKOUT: Path | None = _PACKAGE.parent if _PACKAGE.name == "assistant" else None

#: The folder the data files are found under: the checkout, or the wheel's packaged copy.
DATA_ROOT: Path = CHECKOUT if CHECKOUT is not None else _PACKAGE / "_data"


def data_file(*parts: str) -> Path:
    """The path of one of the product's data files, named as in the checkout
    (``data_file("corpus", "commitments.yaml")``). The file may be missing; its reader says so."""
    return DATA_ROOT.joinpath(*parts)
