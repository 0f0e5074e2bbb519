"""With EVIDENCE_UNSUPPORTED=remove, a sentence the documents do not support never reaches the
reader, not even for a moment while the answer streams: the text is streamed only once checked.

The chat model is a langchain-core fake whose reply has one sentence a shown passage states word
for word and one that no passage supports (a number and a subject found in none of them).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from evidence_assistant import Answer, Assistant, Settings
from evidence_ingest.pipeline import ingest
from rel_support import make_small_corpus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

QUESTION = "How long did data sharing agreements between trusts take to sign?"
SUPPORTED = "Data sharing agreements between trusts took months to sign"
UNSUPPORTED = "The Treasury funded 4,812 lunar observatories in 1850"
REPLY = f"{SUPPORTED} [1, 2, 3]. {UNSUPPORTED} [1, 2, 3]."


@pytest.fixture(scope="module")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("checked-streaming")
    s = Settings(index_dir=root / "index", top_k=3)
    report = ingest([make_small_corpus(root / "corpus")], settings=s)
    assert report.ok and report.indexed == 5, report.to_dict()
    return s


def _stream(settings: Settings, mode: str) -> tuple[list[str], Answer]:
    model = FakeListChatModel(responses=[REPLY])
    with Assistant.open(settings=settings.model_copy(update={"unsupported": mode}), llm=model) as a:
        items: list[Any] = list(a.stream(QUESTION))
    pieces = [x for x in items if isinstance(x, str)]
    assert isinstance(items[-1], Answer)
    return pieces, items[-1]


def test_removed_sentence_is_never_streamed(index_settings: Settings) -> None:
    pieces, answer = _stream(index_settings, "remove")
    assert answer.answerer == "generative", answer.notes
    streamed = "".join(pieces)
    for fragment in ("4,812", "lunar", "observatories", "1850"):
        assert all(fragment not in p for p in pieces), f"{fragment!r} was streamed before it was removed"
        assert fragment not in answer.text
    assert SUPPORTED in streamed, streamed  # the supported sentence is still shown
    assert [s.text.rstrip(".") for s in answer.sentences] == [SUPPORTED]
    assert any("removed" in n for n in answer.notes), answer.notes
    assert streamed.strip() == answer.text.strip()


def test_marking_mode_still_streams_as_the_model_writes(index_settings: Settings) -> None:
    pieces, answer = _stream(index_settings, "mark")
    assert len(pieces) > 10, "the answer should arrive piece by piece while the model writes"
    assert "".join(pieces) == REPLY
    unsupported = [s for s in answer.sentences if not s.supported]
    assert [s.text.rstrip(".") for s in unsupported] == [UNSUPPORTED]
    assert "[unsupported]" in answer.text
