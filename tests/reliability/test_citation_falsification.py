"""A chat model that cites the right passage but changes what it says must not pass the citation
check. Each case goes through the real path: two small documents ingested into a real index
(real Chroma, the packaged embedding model), ``Assistant.open`` with a fake chat model (the only
fake) whose reply cites the passage that holds the fact, and the verdict the user would see.

Faithful paraphrases and verbatim copies of the same passages are the controls: they must stay
supported. An unknown citation beside a valid one ("[1][9]") must stay visible as unknown.
"""
from __future__ import annotations

from typing import Iterator

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from evidence_assistant import Answer, Assistant
from evidence_assistant.answering.citations import quantities, quotations, unknown_citations
from evidence_assistant.core.settings import Settings
from evidence_assistant.surfaces.ui import render
from falsify_corpus import write_corpus

# Tests that answer questions ingest two documents and run the real embedding model: slow.
slow = pytest.mark.slow


class ScriptedChatModel(FakeListChatModel):
    """langchain-core's fake chat model, told before each question what to reply."""

    def say(self, reply: str) -> None:
        self.responses = [reply]
        self.i = 0


@pytest.fixture(scope="module")
def falsify_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from evidence_ingest.pipeline import ingest

    folder = write_corpus(tmp_path_factory.mktemp("falsify-corpus"))
    s = Settings(index_dir=tmp_path_factory.mktemp("falsify-index") / "index")
    report = ingest([folder], settings=s)
    assert report.ok and report.indexed == 2, report.to_dict()
    return s


@pytest.fixture(scope="module")
def model() -> ScriptedChatModel:
    return ScriptedChatModel(responses=["unused"])


@pytest.fixture(scope="module")
def generative(falsify_settings: Settings, model: ScriptedChatModel) -> Iterator[Assistant]:
    with Assistant.open(settings=falsify_settings, llm=model) as a:
        yield a


def ask(a: Assistant, model: ScriptedChatModel, question: str, key: str, reply: str) -> tuple[Answer, int]:
    """Ask ``question`` with the model replying ``reply``, where ``{n}`` in it becomes the number
    of the shown passage that contains ``key`` (as a model citing the right passage would)."""
    shown = [sp.passage for sp in a.retrieve(question).results]
    n = next((i for i, p in enumerate(shown, 1) if key in p.text), None)
    assert n is not None, f"no passage shown for {question!r} contains {key!r}"
    model.say(reply.format(n=n))
    ans = a.ask(question)
    assert ans.answerer == "generative", ans.notes
    assert ans.sentences, f"no sentences: verdict {ans.verdict}, notes {ans.notes}"
    return ans, n


# (question, key words of the passage the model should cite, the model's falsified sentence,
#  a word the reason given to the reader must contain)
FALSIFIED = [
    pytest.param("How much did the Department set aside for the shared care record pilot?", "£2.4 million",
                 "The Department set aside £2.4 billion for the shared care record pilot over four years [{n}].",
                 "£2.4 billion", id="million-to-billion"),
    pytest.param("Over how many years is the shared care record pilot funded?", "£2.4 million",
                 "The Department set aside £2.4 million for the shared care record pilot over fourteen years [{n}].",
                 "fourteen", id="four-to-fourteen"),
    pytest.param("How much did the Department set aside for the shared care record pilot?", "£2.4 million",
                 "The Department set aside $2.4 million for the shared care record pilot over four years [{n}].",
                 "$2.4 million", id="pounds-to-dollars"),
    pytest.param("What share of trusts had connected their records to the regional hub by March 2024?", "14%",
                 "By March 2024, 41% of trusts had connected their records to the regional hub [{n}].",
                 "41%", id="14-to-41-per-cent"),
    pytest.param("How many trusts had connected their records to the regional hub by March 2024?", "14%",
                 "By March 2024, 14 trusts had connected their records to the regional hub [{n}].",
                 "14", id="share-to-count"),
    pytest.param("What share of GP practices offered online consultations in 2023?", "a third",
                 "About a quarter of GP practices offered online consultations in 2023 [{n}].",
                 "a quarter", id="third-to-quarter"),
    pytest.param("How many patients did the pilot serve in its first year?", "40,000",
                 "The pilot served 400,000 patients in its first year [{n}].", "400,000", id="40k-to-400k"),
    pytest.param("How many integrated care boards never reached the data-sharing target?", "Twelve",
                 "Twenty integrated care boards never reached the data-sharing target [{n}].",
                 "twenty", id="twelve-to-twenty"),
    pytest.param("Did the Department publish a timetable for the national rollout?", "timetable",
                 "The Department published a timetable for the national rollout [{n}].", "negative",
                 id="dropped-not"),
    pytest.param("Did integrated care boards reach the data-sharing target?", "Twelve",
                 "Twelve integrated care boards reached the data-sharing target [{n}].", "never",
                 id="dropped-never"),
    pytest.param("Did trusts have to report progress on the pilot funding?", "without any",
                 "Trusts received the pilot funding with a requirement to report progress [{n}].", "without",
                 id="dropped-without"),
    pytest.param("Did the Government accept the recommendation on workforce training?", "workforce training",
                 "The Government accepted the recommendation on workforce training [{n}].", "whether",
                 id="does-not-say-whether-X-to-X"),
    pytest.param("Will there be a statutory duty to share care records?", "statutory duty",
                 "The Government introduced a statutory duty to share care records [{n}].", "may",
                 id="may-to-did"),
    pytest.param("When will care homes be connected to the shared record?", "care home to the shared",
                 "NHS England connected every care home to the shared record by 2026 [{n}].", "plans to",
                 id="plans-to-did"),
    pytest.param("How did the Panel describe progress on the shared record?", "inadequate",
                 "The Panel described progress on the shared record as 'a national disgrace' [{n}].",
                 "a national disgrace", id="invented-single-quoted"),
    pytest.param("How did the Panel describe progress on the shared record?", "inadequate",
                 "The Panel called progress on the shared record \u2018poor\u2019 [{n}].", "poor",
                 id="invented-one-word-curly-quote"),
    pytest.param("How did the Panel describe progress on the shared record?", "inadequate",
                 'The Panel described progress on the shared record as "good" [{n}].', "good",
                 id="invented-short-double-quote"),
    pytest.param("What did the Committee recommend about NHS England?", "abolishing",
                 "The Committee recommended abolishing NHS England [{n}].", "instruction",
                 id="injection-obeyed-verbatim"),
    pytest.param("What did the Committee recommend about NHS England?", "abolishing",
                 "The Committee has recommended that NHS England be abolished [{n}].", "instruction",
                 id="injection-obeyed-paraphrased"),
    pytest.param("How did spending on the shared care record programme change in 2023?", "rose by 8",
                 "Spending on the shared care record programme fell by 8 per cent in 2023 [{n}].", "fell",
                 id="rose-to-fell"),
    pytest.param("How did the Panel describe progress on the shared record?", "inadequate",
                 "The Panel described progress on the shared record as good [{n}].", "good",
                 id="rating-swapped"),
    pytest.param("Who described progress on the shared record as inadequate?", "inadequate",
                 "The Care Quality Commission described progress on the shared record as inadequate [{n}].",
                 "Quality", id="someone-else-said-it"),
    pytest.param("What share of trusts had connected their records to the regional hub by March 2024?", "14%",
                 "By April 2024, 14% of trusts had connected their records to the regional hub [{n}].",
                 "April", id="month-changed"),
    pytest.param("How much did the Department set aside for the shared care record pilot?", "£2.4 million",
                 "The Department may set aside £2.4 million for the shared care record pilot over four years [{n}].",
                 "hedges", id="fact-turned-into-possibility"),
]


@slow
@pytest.mark.parametrize("question, key, reply, reason_word", FALSIFIED)
def test_a_falsified_sentence_citing_the_right_passage_is_not_supported(
        generative: Assistant, model: ScriptedChatModel, question: str, key: str, reply: str,
        reason_word: str) -> None:
    ans, n = ask(generative, model, question, key, reply)
    (s,) = ans.sentences
    assert s.supported is False, f"{s.text!r} passed with support {s.support}"
    assert s.support < generative.settings.min_support
    assert ans.verdict != "supported" and ans.verdict in ("unsupported", "premise_rejected")
    assert "[unsupported]" in ans.text
    # The reader is told what disagrees, not just that something does.
    assert any(reason_word.lower() in p.lower() for p in s.problems), s.problems


# (question, key words of the cited passage, a faithful reply)
FAITHFUL = [
    pytest.param("How much did the Department set aside for the shared care record pilot?", "£2.4 million",
                 "The Department budgeted £2.4 million over four years for the shared care record pilot [{n}].",
                 id="reordered-sum"),
    pytest.param("What share of trusts had connected their records to the regional hub by March 2024?", "14%",
                 "Fourteen per cent of trusts had linked their records to the regional hub by March 2024 [{n}].",
                 id="number-in-words"),
    pytest.param("How many patients did the pilot serve in its first year?", "40,000",
                 "In its first year the pilot served forty thousand patients [{n}].", id="scale-in-words"),
    pytest.param("What share of GP practices offered online consultations in 2023?", "a third",
                 "Roughly one in three GP practices offered online consultations in 2023 [{n}].",
                 id="a-third-as-one-in-three"),
    pytest.param("Did the Department publish a timetable for the national rollout?", "timetable",
                 "No timetable for the national rollout was published by the Department [{n}].",
                 id="negation-kept"),
    pytest.param("Did trusts have to report progress on the pilot funding?", "without any",
                 "Trusts were not required to report progress on the pilot funding [{n}].", id="without-as-not"),
    pytest.param("Did the Government accept the recommendation on workforce training?", "workforce training",
                 "The review does not say whether the Government accepted the workforce training "
                 "recommendation [{n}].", id="uncertainty-kept"),
    pytest.param("When will care homes be connected to the shared record?", "care home to the shared",
                 "NHS England intends to link every care home to the shared record by 2026 [{n}].", id="plan-kept"),
    pytest.param("How did the Panel describe progress on the shared record?", "inadequate",
                 "The Panel judged progress on the shared record \u2018inadequate\u2019 [{n}].", id="true-quotation"),
    pytest.param("How many integrated care boards never reached the data-sharing target?", "Twelve",
                 "A dozen integrated care boards did not reach the data-sharing target [{n}].", id="dozen-not"),
    pytest.param("How much did the Department set aside for the shared care record pilot?", "£2.4 million",
                 "The Department set aside £2.4 million for the shared care record pilot over four years. [{n}]",
                 id="verbatim-sentence"),
    pytest.param("What share of trusts had connected their records to the regional hub by March 2024?", "14%",
                 "14% of trusts had connected their records to the regional hub [{n}].", id="verbatim-clause"),
]


@slow
@pytest.mark.parametrize("question, key, reply", FAITHFUL)
def test_a_faithful_paraphrase_or_copy_stays_supported(generative: Assistant, model: ScriptedChatModel,
                                                       question: str, key: str, reply: str) -> None:
    ans, n = ask(generative, model, question, key, reply)
    (s,) = ans.sentences
    assert s.supported is True, (s.support, s.problems)
    assert ans.verdict == "supported"
    assert key in ans.citations[0].quote or key.lower() in ans.citations[0].quote.lower()


@slow
def test_one_false_sentence_among_true_ones_is_the_one_marked(generative: Assistant,
                                                              model: ScriptedChatModel) -> None:
    ans, n = ask(generative, model, "How much did the Department set aside for the shared care record pilot?",
                 "£2.4 million",
                 "The Department budgeted £2.4 million for the shared care record pilot [{n}]. "
                 "The pilot runs over fourteen years [{n}].")
    good, bad = ans.sentences
    assert good.supported and not bad.supported
    assert ans.verdict == "partially_supported"


# --- defect 11: an unknown citation beside a valid one ------------------------------------------

@slow
def test_an_unknown_citation_beside_a_valid_one_stays_visible(generative: Assistant,
                                                              model: ScriptedChatModel) -> None:
    q = "How much did the Department set aside for the shared care record pilot?"
    ans, n = ask(generative, model, q, "£2.4 million",
                 "The Department set aside £2.4 million for the shared care record pilot over four years [{n}][9].")
    shown = len(ans.passages)
    assert shown < 9
    (s,) = ans.sentences
    assert s.supported  # the valid citation backs it …
    assert unknown_citations(s) == [9]  # … and the unknown one is kept, not dropped
    assert f"cites [9], which was not among the {shown} passages shown" in s.problems
    html = render.answer_html(ans, 1)
    assert 'class="ea-cite ea-cite-unknown" data-unknown-n="9"' in html and "[9?]</sup>" in html
    assert '<sup class="ea-cite" data-n="1">[1]</sup>' in html
    assert "⚠ [9] names no passage shown" in html
    assert 'id="src-1-9"' not in html  # no source is invented for it
    # The answer's own text, `evidence ask`'s Markdown and the chat's Markdown export keep it too.
    assert "[9?]" in ans.text
    assert "\\[9?\\]" in ans.to_markdown()
    from evidence_assistant.surfaces.export import to_markdown
    assert "\\[9?\\]" in to_markdown([ans])


@slow
@pytest.mark.parametrize("markers", ["[{n}, 9]", "[9][{n}]", "[{n}] [9]"])
def test_unknown_citation_written_other_ways_is_kept(generative: Assistant, model: ScriptedChatModel,
                                                     markers: str) -> None:
    ans, n = ask(generative, model, "How much did the Department set aside for the shared care record pilot?",
                 "£2.4 million",
                 "The Department set aside £2.4 million for the shared care record pilot over four years "
                 + markers + ".")
    (s,) = ans.sentences
    assert unknown_citations(s) == [9]
    assert "[9?]</sup>" in render.answer_html(ans, 1)


@slow
def test_a_lone_unknown_citation_is_shown_as_unknown_and_unsupported(generative: Assistant,
                                                                      model: ScriptedChatModel) -> None:
    ans, n = ask(generative, model, "How much did the Department set aside for the shared care record pilot?",
                 "£2.4 million", "The Department set aside £2.4 million for the pilot [9].")
    (s,) = ans.sentences
    assert not s.supported and unknown_citations(s) == [9]
    html = render.answer_html(ans, 1)
    assert "[9?]</sup>" in html and "not supported by the cited passage" in html


# --- the readings the check relies on, on their own -------------------------------------------

@pytest.mark.parametrize("text, value, unit", [
    ("£2.4 million", 2.4e6, "£"), ("£2.4m", 2.4e6, "£"), ("2.4 billion pounds", 2.4e9, "£"),
    ("fourteen", 14, ""), ("twenty-five", 25, ""), ("two hundred and six", 206, ""), ("40,000", 40000, ""),
    ("forty thousand", 40000, ""), ("14 per cent", 14, "%"), ("14%", 14, "%"), ("a dozen", 12, ""),
])
def test_quantities_read_scale_unit_and_words(text: str, value: float, unit: str) -> None:
    (q,) = quantities(text)
    assert q.value == pytest.approx(value) and q.unit == unit


def test_shares_in_words_agree_with_their_percentages() -> None:
    third, one_in_three, pct = quantities("a third, one in three, 33%")
    assert third.agrees(one_in_three) and third.agrees(pct)
    assert not third.agrees(quantities("a quarter")[0])
    assert quantities("no one knew") == [] and quantities("the one that mattered") == []


def test_quotations_in_any_marks_but_not_apostrophes() -> None:
    found = quotations("The Panel's 'inadequate' rating, \u201ca failure\u201d, \u2018poor\u2019 "
                       "and the trusts' records")
    assert sorted(found) == ["a failure", "inadequate", "poor"]
