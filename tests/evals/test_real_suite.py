"""The real-document suite's own rules, without an index: how a quote finds its passage, the
two measures of how an answer reads, and how cases are read (and refused, with the reason)."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from evidence_assistant.core.types import Passage
from evidence_evals import real_suite as rs

DOC = "nhs_navigator_rag/Data Driven Healthcare in 2030 - Full report - Mar 21.pdf"
ROOT = "/data/uk-health-policy/"


def passage(pid: str, text: str, path: str = ROOT + DOC) -> Passage:
    return Passage(passage_id=pid, doc_id="d", seq=0, text=text, char_start=0, char_end=len(text), path=path)


def case(**over):
    raw = {"id": "real-x-number-001", "split": "dev", "type": "number", "question": "How many?",
           "answerable": True, "key_facts": [{"any": ["20%", "20 per cent"]}],
           "supporting": [{"doc": DOC, "page": "4", "quote": "one in five trusts have no plan"}]}
    raw.update(over)
    return raw


# --------------------------------------------------------------------------- quote matching


def test_a_quote_matches_whatever_the_line_breaks_hyphens_and_quote_marks():
    p = passage("p1", "As the survey found,\nOne-in-five trusts\u2019 have  no plan \u2014 yet.")
    ref = rs.QuoteRef(DOC, "one in five trusts' have no plan")
    assert rs.quote_matches(ref, p)


def test_a_quote_needs_the_same_document_matched_on_whole_path_parts():
    text = "one in five trusts have no plan"
    ref = rs.QuoteRef(DOC, text)
    assert not rs.quote_matches(ref, passage("p", text, path=ROOT + "nhs_planning_md/other.md"))
    # "…/xnhs_navigator_rag/…" is a different folder, not the same path with a prefix.
    assert not rs.quote_matches(ref, passage("p", text, path="/data/x" + DOC))
    assert rs.quote_matches(ref, passage("p", text, path=DOC))  # a relative path works too
    assert rs.quote_matches(ref, passage("p", text, path="C:\\data\\" + DOC.replace("/", "\\")))


def test_a_quote_must_be_whole_and_on_word_boundaries():
    ref = rs.QuoteRef(DOC, "five trusts have no plan")
    assert not rs.quote_matches(ref, passage("p", "five trusts have no planning"))  # resolve pads words
    assert not rs.quote_matches(ref, passage("p", "five trusts have a plan"))


def test_resolve_finds_every_passage_holding_the_quote_and_ignores_the_page():
    c = rs.parse_case(case())
    ps = [passage("a", "Overall, one in five trusts have no plan."), passage("b", "Unrelated text."),
          passage("c", "Repeat: one in five trusts have no plan at all."),
          passage("d", "one in five trusts have no plan", path=ROOT + "other/doc.md")]
    assert rs.resolve(c, ps) == [{"a", "c"}]
    assert rs.unresolved([c], ps) == []


def test_a_quote_cut_by_a_passage_boundary_is_held_by_the_passages_with_half_of_it():
    c = rs.parse_case(case(supporting=[{"doc": DOC, "quote": "alpha beta gamma delta epsilon zeta eta theta"}]))
    ps = [passage("end", "text before alpha beta gamma delta"), passage("start", "epsilon zeta eta theta and on"),
          passage("few", "gamma delta epsilon")]
    assert rs.resolve(c, ps) == [{"end", "start"}]


def test_unresolved_names_the_case_and_the_entry():
    c = rs.parse_case(case())
    out = rs.unresolved([c], [passage("b", "Unrelated text.")])
    assert len(out) == 1 and out[0].startswith("real-x-number-001: ") and "one in five trusts" in out[0]


def test_multi_doc_cases_need_a_passage_from_each_document():
    c = rs.parse_case(case(type="multi_doc", supporting=[
        {"doc": DOC, "quote": "one in five trusts have no plan"},
        {"doc": "nhs_planning_md/plan.md", "quote": "ten year health plan"}]))
    assert c.support_mode == "all" and len(c.supporting) == 2
    assert rs.parse_case(case()).support_mode == "any"


def test_cited_supporting_reads_citations_by_passage():
    c = rs.parse_case(case())
    ans = SimpleNamespace(citations=[SimpleNamespace(passage_id="x"), SimpleNamespace(passage_id="a")])
    assert rs.cited_supporting(ans, c, [{"a"}])
    assert not rs.cited_supporting(ans, c, [{"b"}])


# --------------------------------------------------------------------------- how an answer reads

FACTS = [{"any": ["20%", "20 per cent"]}, {"any": ["March 2021"]}]


def test_first_sentence_key_fact():
    assert rs.first_sentence_holds_fact(["About 20 per cent of trusts [1].", "It was published in March 2021."], FACTS)
    assert rs.first_sentence_holds_fact(["The report appeared in March 2021.", "20% had none."], FACTS)
    assert not rs.first_sentence_holds_fact(["The report looked at trusts.", "20% had none."], FACTS)
    assert not rs.first_sentence_holds_fact([], FACTS)


def test_a_key_fact_in_two_sentences_is_a_repeat():
    out = rs.repeated_facts(["One in five, 20%, had no plan.", "So 20 per cent of trusts lacked one."], FACTS)
    assert out == ['key fact {"any": ["20%", "20 per cent"]} in sentences 1, 2']
    # Two different facts in two sentences are not a repeat.
    assert rs.repeated_facts(["20% had no plan.", "The report is dated March 2021."], FACTS) == []


def test_near_duplicate_sentences_are_a_repeat_but_short_or_different_ones_are_not():
    a = "The strategy sets out how data will be shared across the health system."
    b = "The strategy sets out how data will be shared across the whole health and care system."
    assert rs.near_duplicates(a, b)
    assert rs.repeated_facts([a, "Something else entirely was said here.", b], []) == [
        "sentences 1 and 3 are near-duplicates"]
    assert not rs.near_duplicates("Yes it is.", "Yes it is.")  # under four words: too short to judge
    assert not rs.near_duplicates(a, "Trusts will publish their plans for digital services by March.")
    # Two rows of one table share its caption and headers, not their values.
    row = "Table 1 - activity growth by setting: Activity category: {}; Growth in H1 compared to last year: {}"
    assert not rs.near_duplicates(row.format("Outpatients", "5.2%"), row.format("Elective day cases", "6.3%"))
    assert rs.near_duplicates(row.format("Outpatient first attendances seen", "6.3%"),
                              row.format("Outpatient first attendances seen", "6.3%"))
    # So do rows whose cells are joined by " | " under a long caption.
    piped = "Table 2: Projected supply and demand by area of work in 2030 in the main scenario: {} | {} | {} | {}"
    assert not rs.near_duplicates(piped.format("Data", "Records", "13,199", "+884"),
                                  piped.format("Data", "Coding", "5,169", "+2,068"))
    assert rs.near_duplicates(piped.format("Data", "Coding", "5,169", "+2,068"),
                              piped.format("Data", "Coding", "5,169", "+2,068"))


def test_annotate_and_aggregate_the_two_new_metrics():
    def answer(*sentences):
        return SimpleNamespace(sentences=[SimpleNamespace(text=s) for s in sentences])

    c1 = rs.parse_case(case(id="a", key_facts=FACTS))
    c2 = rs.parse_case(case(id="b", key_facts=FACTS))
    recs = []
    for c, ans, correct in ((c1, answer("Published March 2021 [1].", "It found 20% [2]."), True),
                            (c2, answer("Trusts were surveyed [1].", "20% had none [1].", "That is 20 per cent [2]."),
                             True)):
        rec = {"id": c.id, "split": "dev", "type": "number", "question": "q", "answerable": True,
               "declined": False, "correct": correct, "key_fact_share": 1.0, "cited_supporting": True,
               "latency_s": 0.1, "_answer": ans}
        rs.annotate(rec, c, [{"p"}])
        recs.append(rec)
    assert recs[0]["first_sentence_key_fact"] is True and recs[0]["repeated_fact"] is False
    assert recs[1]["first_sentence_key_fact"] is False and recs[1]["repeated_fact"] is True
    m = rs.aggregate(recs)
    assert m["first_sentence_key_fact"] == 0.5
    assert m["repeated_fact"] == 1 and m["repeated_fact_share"] == 0.5
    assert m["answer_correctness"] == 1.0


def test_a_declined_answer_is_not_counted_for_repeats():
    c = rs.parse_case(case(id="u", type="unanswerable", answerable=False, key_facts=[], supporting=[]))
    rec = {"declined": True, "correct": False, "_answer": SimpleNamespace(sentences=[])}
    rs.annotate(rec, c, [])
    assert "repeated_fact" not in rec and "first_sentence_key_fact" not in rec


# --------------------------------------------------------------------------- cases


def test_every_case_type_of_the_schema_is_read():
    for t in rs.TYPES:
        over = {"type": t}
        if t == "unanswerable":
            over.update(answerable=False, key_facts=[], supporting=[])
        if t == "false_premise":
            over.update(answerable=False, key_facts=[], correction=[{"any": ["2021"]}])
        assert rs.parse_case(case(**over)).type == t


@pytest.mark.parametrize("over, message", [
    ({"type": "fact"}, r"type must be one of .*definition"),
    ({"split": "train"}, r"split must be one of"),
    ({"supporting": [{"doc": DOC}]}, r"real-x-number-001: supporting entry for .* needs a 'quote'"),
    ({"supporting": [{"quote": "one in five trusts"}]}, r"needs 'doc'"),
    ({"supporting": [{"doc": DOC, "quote": "five"}]}, r"at least 3 words"),
    ({"key_facts": []}, r"needs key facts"),
    ({"key_facts": [{"some": ["x"]}]}, r"key fact .*needs 'any' or 'all'"),
    ({"answerable": "yes"}, r"'answerable' must be true or false"),
    ({"type": "false_premise", "answerable": False, "key_facts": []}, r"needs 'correction'"),
    ({"type": "unanswerable", "answerable": False}, r"no key facts"),
    ({"type": "unanswerable"}, r"no key facts"),
])
def test_malformed_cases_are_refused_naming_case_and_field(over, message):
    with pytest.raises(ValueError, match=message):
        rs.parse_case(case(**over))


def test_case_files_are_read_in_id_order_and_duplicates_across_files_are_refused(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(case(id="real-b-number-002")) + "\n\n" + json.dumps(case(id="real-a-date-001", type="date")))
    b.write_text(json.dumps(case(id="real-a-number-001")) + "\n")
    assert [c.id for c in rs.load_cases([a, b])] == ["real-a-date-001", "real-a-number-001", "real-b-number-002"]
    b.write_text(json.dumps(case(id="real-b-number-002")) + "\n")
    with pytest.raises(ValueError, match=r"b.jsonl: case id 'real-b-number-002' is also in a.jsonl"):
        rs.load_cases([a, b])
    a.write_text("{not json\n")
    with pytest.raises(ValueError, match=r"a.jsonl line 1: not JSON"):
        rs.load_cases([a])


def test_the_ci_subset_is_fixed_and_mixes_types():
    raws = [case(id=f"real-x-{t}-{i:03d}", type=t) for t in ("number", "date", "who") for i in range(20)]
    cases = [rs.parse_case(r) for r in raws]
    sub = rs.ci_subset(cases, 10)
    assert len(sub) == 10 and {c.type for c in sub} == {"number", "date", "who"}
    assert [c.id for c in sub] == [c.id for c in rs.ci_subset(list(reversed(cases)), 10)]
    assert "real-x-number-000" in {c.id for c in sub}


def test_the_suite_is_skipped_with_the_reason_when_the_documents_are_absent(tmp_path, monkeypatch):
    from evidence_evals.data import DataMissing

    monkeypatch.setenv("EVIDENCE_SHARED_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataMissing, match=r"uk-health-policy.*not found at .*nowhere"):
        rs.corpus_dir()


def test_the_real_cases_parse_and_meet_the_suite_s_shape():
    """evals/cases/real.jsonl: a malformed line fails here, naming file, line and field; the suite
    keeps the size and mix the team agreed (200+ questions, 40+ unanswerable, 15+ false premises,
    every answerable kind, a dev and a test split)."""
    cases = rs.load_cases([Path(rs.CASES)])
    kinds = {c.type for c in cases}
    assert len(cases) >= 200
    assert sum(c.type == "unanswerable" for c in cases) >= 40
    assert sum(c.type == "false_premise" for c in cases) >= 15
    assert {"definition", "number", "date", "who", "list", "multi_part", "table", "multi_doc", "yes_no"} <= kinds
    assert {c.split for c in cases} == {"dev", "test"}


def test_eval_real_without_the_documents_is_skipped_saying_why(tmp_path, monkeypatch):
    from evidence_evals import runner

    monkeypatch.setenv("EVIDENCE_SHARED_DATA", str(tmp_path / "nowhere"))
    assert runner.cli_eval(suite="real", configs=["default"], out=tmp_path / "out", limit=2) == 0
    md = (tmp_path / "out" / "report.md").read_text()
    assert "## real" in md and "Skipped: The UK health policy documents (uk-health-policy/) not found at" in md


def test_the_data_folders_provenance_note_is_not_indexed_and_does_not_key_the_index(tmp_path):
    from evidence_evals import sample_suite

    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "plan.md").write_text("# Plan\n\nThe plan sets three aims.\n")
    (tmp_path / "top.md").write_text("# Note\n\nA document at the top.\n")
    (tmp_path / rs.PROVENANCE).write_text("| file | what |\n|---|---|\n| plan.md | the plan |\n")
    assert rs.corpus_paths(tmp_path) == [tmp_path / "reports", tmp_path / "top.md"]
    key = sample_suite.corpus_id(tmp_path, "x", leave_out={rs.PROVENANCE})
    (tmp_path / rs.PROVENANCE).write_text("rewritten")
    assert sample_suite.corpus_id(tmp_path, "x", leave_out={rs.PROVENANCE}) == key
    assert sample_suite.corpus_id(tmp_path, "x") != key
    (tmp_path / "reports" / "plan.md").write_text("# Plan\n\nThe plan sets four aims.\n")
    assert sample_suite.corpus_id(tmp_path, "x", leave_out={rs.PROVENANCE}) != key
