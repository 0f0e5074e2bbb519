"""Questions about how a response answered a committee's recommendations ("which recommendations
did the Government reject?") are answered from the recommendations tracker, on the sample pair (a
report's numbered conclusions and recommendations, a response quoting each before its reply):
one sentence per recommendation, its words and the reply's deciding sentence each cited to the
indexed passage that holds them. Every other question is answered as before."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evidence_assistant.answering.stages import Turn
from evidence_assistant.tracker.stance_answers import StanceQuestion, short_form, stance_question

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_recommendations import EXPECTED_REPLIES, REPORT, RESPONSE  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CASES = REPO / "evals" / "cases" / "sample.jsonl"


@pytest.mark.parametrize("question, stance, numbers, counting", [
    ("Which recommendations did the Government reject?", "not accepted", (), False),
    ("which recommendations did the Government turn down", "not accepted", (), False),
    ("How many recommendations were not accepted?", "not accepted", (), True),
    ("Which recommendations did the Government decline to accept?", "not accepted", (), False),
    ("Which of the Committee's recommendations were accepted?", "accepted", (), False),
    ("How many of the Committee’s recommendations did the Government agree with?", "accepted", (), True),
    ("Which recommendations did the Government accept in part?", "partly accepted", (), False),
    ("Which recommendations were only noted?", "noted", (), False),
    ("What did the Government not address?", "not addressed", (), False),
    ("Were any recommendations ignored?", "not addressed", (), False),
    ("What did the Government reject in its response?", "not accepted", (), False),
    ("Did the Government accept recommendations 5 and 6?", "accepted", ("5", "6"), False),
])
def test_stance_questions_are_recognised(question: str, stance: str, numbers: tuple[str, ...], counting: bool) -> None:
    assert stance_question(question) == StanceQuestion(stance, numbers, counting)


@pytest.mark.parametrize("question", [
    "Why did the Government reject recommendation 7?",  # asks for its reasons, not the list
    "What reasons did the Government give for not accepting the recommendations?",
    "How many recommendations does the report Digital transformation in the NHS make?",
    "What did the Government agree to do by March 2024?",
    "What did the Government say about digital exclusion?",
    "When was the Government's response published?",
])
def test_other_questions_are_not_stance_questions(question: str) -> None:
    assert stance_question(question) is None


def _sample_questions(n: int = 40) -> list[str]:
    lines = SAMPLE_CASES.read_text(encoding="utf-8").splitlines()[:n]
    return [json.loads(line)["question"] for line in lines]


def test_the_sample_suite_questions_are_left_to_the_usual_answerers() -> None:
    questions = _sample_questions()
    assert len(questions) == 40
    assert [q for q in questions if stance_question(q) is not None] == []


def test_the_tracker_answerer_has_the_answerer_shape_and_takes_only_stance_questions() -> None:
    from evidence_assistant.answering.stages import Answerer
    from evidence_assistant.core.errors import LLMError
    from evidence_assistant.tracker.stance_answers import TrackerAnswerer

    answerer = TrackerAnswerer(StanceQuestion("not accepted"), [])
    assert isinstance(answerer, Answerer) and answerer.name == "tracker" and answerer.prompt() is None
    turn = Turn("When was the Government's response published?", standalone="When was the Government's response published?")
    with pytest.raises(LLMError, match="only questions about how a response answered"):
        list(answerer.stream(turn))  # the stages then fall back on the next answerer


def test_a_recommendation_is_quoted_by_what_it_asks_for() -> None:
    text = ("Digital routes must not close other routes to care. The Government should guarantee that every "
            "service offered through a digital route stays available by telephone or in person. (Paragraph 19)")
    assert short_form(text) == ("The Government should guarantee that every service offered through a digital route "
                                "stays available by telephone", True)
    assert short_form("We recommend a dashboard. (Paragraph 3)") == ("We recommend a dashboard", False)


# --- On an index of the sample pair (the real embedding model, real Chroma) --------------------------

def _open(index_dir: Path, files: list[Path]):
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    settings = Settings(index_dir=index_dir)
    report = ingest(files, settings=settings)
    assert not report.skipped, report.skipped
    return Assistant.open(settings=settings, registry=None)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    a = _open(tmp_path_factory.mktemp("stance") / "index", [REPORT, RESPONSE])
    yield a
    a.close()


def _numbers_answered(answer) -> list[str]:
    import re

    return [re.match(r"Recommendation (\d+) \(", s.text).group(1) for s in answer.sentences]


def _assert_cited_and_supported(answer, assistant) -> None:
    assert answer.answerer == "tracker" and answer.verdict == "supported", (answer.verdict, answer.text)
    report_title = next(d.title for d in assistant.index.manifest.documents() if d.kind == "report")
    response_title = next(d.title for d in assistant.index.manifest.documents() if d.kind == "response")
    shown = {sp.passage.passage_id for sp in answer.passages}
    for i, s in enumerate(answer.sentences):
        assert s.supported and s.support == 1.0 and not s.problems, s
        cites = [c for c in answer.citations if c.sentence == i]
        assert {c.title for c in cites} == {report_title, response_title}, s.text
        for c in cites:
            indexed = assistant.passage(c.passage_id)
            assert indexed is not None and indexed.text == c.passage.text, "a real passage of the index"
            assert c.exact and c.quote == indexed.text[c.quote_start:c.quote_end]
            assert c.quote.rstrip(".") in s.text, "the sentence quotes the words it cites"
            assert c.passage_id in shown, "the cited passage is among those shown with the answer"


@pytest.mark.slow
def test_which_recommendations_were_rejected_lists_exactly_the_not_accepted_ones(pair) -> None:
    answer = pair.ask("Which recommendations did the Government reject?")
    expected = [n for n, (stance, _) in EXPECTED_REPLIES.items() if stance == "not accepted"]
    assert _numbers_answered(answer) == expected == ["7"]
    _assert_cited_and_supported(answer, pair)
    (decisive,) = [c for c in answer.citations if c.kind == "response"]
    assert decisive.quote == "The Government does not accept this recommendation."
    assert (decisive.page, decisive.paragraph) == ("5", EXPECTED_REPLIES["7"][1])
    (words,) = [c for c in answer.citations if c.kind == "report"]
    assert words.quote.startswith("The Government should guarantee that every service offered through a digital route")
    assert answer.text.startswith("Recommendation 7 (“The Government should guarantee")
    assert any("1 of the 8 recommendations" in n for n in answer.notes), answer.notes


@pytest.mark.slow
def test_which_recommendations_were_accepted_lists_exactly_the_accepted_ones(pair) -> None:
    answer = pair.ask("Which of the Committee's recommendations were accepted?")
    expected = [n for n, (stance, _) in EXPECTED_REPLIES.items() if stance == "accepted"]
    assert _numbers_answered(answer) == expected == ["1", "3", "5", "6"]
    _assert_cited_and_supported(answer, pair)
    paragraphs = [c.paragraph for c in answer.citations if c.kind == "response"]
    assert paragraphs == [EXPECTED_REPLIES[n][1] for n in expected]


@pytest.mark.slow
def test_a_recommendation_without_a_position_is_listed_as_not_addressed(pair) -> None:
    answer = pair.ask("What did the Government not address?")
    assert _numbers_answered(answer) == ["8"] and answer.verdict == "supported"
    assert "states no position" in answer.sentences[0].text
    # Its words are cited where the report makes it and where the response quotes it.
    assert sorted(c.kind for c in answer.citations) == ["report", "response"]


@pytest.mark.slow
def test_a_recommendation_the_index_lacks_is_declined_with_what_the_tracker_found(pair) -> None:
    answer = pair.ask("Did the Government accept recommendation 42?")
    assert answer.verdict == "no_answer" and answer.citations == []
    assert any("finds no recommendation 42" in n and "numbered 1, 2, 3, 4, 5, 6, 7, 8" in n for n in answer.notes), answer.notes
    # The response's replies are listed as the nearest evidence.
    shown = " ".join(sp.passage.text for sp in answer.passages)
    assert all(reply in shown for reply in ("The Government accepts this recommendation in part.",
                                            "The Government does not accept this recommendation."))


@pytest.mark.slow
def test_other_questions_are_answered_as_before(pair) -> None:
    for q in _sample_questions():
        assert [a.name for a in pair.stages(q).answerers] == ["extractive"], q
    q = "Which trust's digital tool should be assessed once according to the Committee?"
    answer = pair.ask(q)
    before = [x for x in pair.stages().run(Turn(q)) if not isinstance(x, str)][0]
    assert answer.answerer == before.answerer == "extractive"
    assert (answer.text, answer.verdict) == (before.text, before.verdict)


@pytest.mark.slow
def test_the_documents_are_read_once_per_index_generation(pair, monkeypatch) -> None:
    from evidence_assistant import Assistant
    from evidence_assistant.tracker import recommendations

    read: list[str] = []
    real = recommendations.load_document

    def counting(path):
        read.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(recommendations, "load_document", counting)
    a = Assistant(pair.index, pair.settings, registry=None)
    assert a.ask("Which recommendations did the Government reject?").answerer == "tracker"
    assert sorted(read) == sorted([REPORT.name, RESPONSE.name])
    assert a.ask("How many recommendations were accepted?").answerer == "tracker"
    assert len(read) == 2, "the second stance question reuses the analysis"


@pytest.mark.slow
def test_without_a_response_the_question_is_answered_the_usual_way_until_one_is_added(tmp_path) -> None:
    a = _open(tmp_path / "index", [REPORT])
    try:
        q = "Which recommendations did the Government reject?"
        assert [x.name for x in a.stages(q).answerers] == ["extractive"]
        assert a.ask(q).answerer == "extractive"
        a.add_files([RESPONSE])  # a new generation of the index: the tracker reads it again
        answer = a.ask(q)
        assert answer.answerer == "tracker" and _numbers_answered(answer) == ["7"]
    finally:
        a.close()
