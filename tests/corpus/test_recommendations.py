"""Recommendations read from a committee report, and the Government's reply to each matched and
classified, on the sample pair (an HTML report with numbered conclusions and recommendations, a
PDF response quoting each in bold) and on small reports and responses written here."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from evidence_assistant.tracker.recommendations import (classify_reply, extract_recommendations, find_deadline, load_document,
                                       match_response, within_two_months)
from evidence_evals.tracker_suite import expected_recommendations

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "corpus" / "sample"
REPORT = SAMPLE / "hc223-conclusions-and-recommendations.html"
RESPONSE = SAMPLE / "hc1803-replies-to-recommendations.pdf"

# Checked by hand, kept with the tracker suite (evals/cases/tracker.yaml): against the report,
# number, body paragraph, the words the recommendation opens with (after its conclusion) and the
# deadline it sets; against the response, the stance of each reply and the paragraph that decides it.
_CHECKED = expected_recommendations()
EXPECTED_RECOMMENDATIONS = {n: (e["paragraph"], e["opens"], e["deadline"]) for n, e in _CHECKED.items()}
EXPECTED_REPLIES = {n: (e["stance"], e["reply_paragraph"]) for n, e in _CHECKED.items()}


@pytest.fixture(scope="module")
def pair():
    report, response = load_document(REPORT), load_document(RESPONSE)
    recs = extract_recommendations(report)
    return report, response, recs, match_response(report, response, recs)


def test_every_numbered_recommendation_is_found_and_nothing_else(pair) -> None:
    _, _, recs, _ = pair
    found = {r.number for r in recs if r.kind == "recommendation"}
    expected = set(EXPECTED_RECOMMENDATIONS)
    precision = len(found & expected) / max(len(found), 1)
    recall = len(found & expected) / len(expected)
    assert (precision, recall) == (1.0, 1.0), sorted(found)
    for r in recs:
        para, opening, deadline = EXPECTED_RECOMMENDATIONS[r.number]
        assert r.body_paragraphs == [para], r
        assert opening in r.text, (r.number, r.text)
        assert r.deadline == deadline, (r.number, r.deadline)
        assert r.report == REPORT.name and r.report_date == "2023-06-30"
        assert r.section == "Conclusions and recommendations" or "Conclusions and recommendations" in (r.section or "")


def test_every_reply_is_matched_and_its_stance_is_right(pair) -> None:
    _, response, _, analysis = pair
    assert all(m.status == "matched" for m in analysis.matches), [(m.recommendation.number, m.reason) for m in analysis.matches]
    right = sum(m.stance == EXPECTED_REPLIES[m.recommendation.number][0] for m in analysis.matches)
    assert right / len(analysis.matches) >= 0.9, [(m.recommendation.number, m.stance) for m in analysis.matches]
    assert right == len(analysis.matches)
    text = " ".join(b.text for b in response.blocks)
    for m in analysis.matches:
        stance, para = EXPECTED_REPLIES[m.recommendation.number]
        if para is None:
            assert m.decisive is None and "states no position" in (m.reason or "")
            continue
        d = m.decisive
        assert d is not None and d.paragraph == para and d.document == RESPONSE.name
        assert d.quote in text, "the cited sentence is the response's own text"
        assert d.page in {b.page for b in response.blocks if d.quote in b.text}


def test_two_recommendations_answered_together_and_replies_out_of_order(pair) -> None:
    _, _, _, analysis = pair
    by = {m.recommendation.number: m for m in analysis.matches}
    assert by["5"].answered_with == ["6"] and by["6"].answered_with == ["5"]
    assert by["5"].decisive == by["6"].decisive
    # The reply to 8 comes before the reply to 7 in the response; each still gets its own.
    assert by["8"].stance == "not addressed" and by["7"].stance == "not accepted"
    # Quoted without its number and in other words: matched by wording alone.
    assert by["4"].method == "wording" and by["4"].score is not None and by["4"].score < 100


def test_response_timing_uses_the_date_it_was_received(pair) -> None:
    _, _, _, analysis = pair
    assert analysis.response_date == "2023-08-22"
    assert analysis.response_date_basis.startswith("received")
    assert analysis.within_two_months is True
    assert within_two_months("2023-06-30", "2023-09-06") is False  # the publication date is too late
    assert within_two_months("2023-06-30", "2023-08-30") is True
    assert within_two_months("2023-06-30", None) is None


def test_reports_without_numbered_recommendations_give_none() -> None:
    for name in ("hc223-digital-transformation-in-the-nhs.html", "hc780-expert-panel-evaluation.html"):
        assert extract_recommendations(load_document(SAMPLE / name)) == [], name


def _md(path: Path, kind: str, date: str, body: str) -> Path:
    path.write_text(f"---\ntitle: {path.stem}\nkind: {kind}\ndate: \"{date}\"\npublisher: Test\n---\n\n{body}\n",
                    encoding="utf-8")
    return path


REPORT_MD = """# A report

## Findings

1. Waiting lists for community services are long.

2. We heard that data on them is patchy.

## Conclusions and recommendations

1. Data on community waiting lists is patchy. Recommendation: NHS England should publish monthly community waiting list data for every trust by April 2025.

2. Patients are not told how long they will wait. The Department should require trusts to tell each patient their expected wait within three months of this report.

3. Community services are under strain. We recommend that the Government set a national standard for community waiting times.
"""


def test_body_paragraphs_marked_as_recommendations_are_read_without_a_section(tmp_path: Path) -> None:
    report = _md(tmp_path / "r.md", "report", "2024-01-10", """# Report

1. Digital tools are adopted unevenly.

2. Recommendation 1: NHS England should publish an adoption plan by 2026.

3. Trusts need support.

4. Recommendation 2: The Department should fund support teams within twelve months.
""")
    recs = extract_recommendations(load_document(report))
    assert [(r.number, r.deadline) for r in recs] == [("1", "by 2026"), ("2", "within twelve months")]
    assert [r.paragraph for r in recs] == ["2", "4"]


def test_section_items_keep_their_numbers_conclusions_and_deadlines(tmp_path: Path) -> None:
    recs = extract_recommendations(load_document(_md(tmp_path / "r.md", "report", "2024-01-10", REPORT_MD)))
    assert [r.number for r in recs] == ["1", "2", "3"]
    assert [r.deadline for r in recs] == ["by April 2025", "within three months of this report", None]
    assert all(r.kind == "recommendation" for r in recs)


def test_bad_responses_are_matched_where_the_text_allows_and_explained_otherwise(tmp_path: Path) -> None:
    report = load_document(_md(tmp_path / "r.md", "report", "2024-01-10", REPORT_MD))
    response = load_document(_md(tmp_path / "resp.md", "response", "2024-05-20", """# Government response

**Recommendation 3: We recommend that the Government set a national standard for community waiting times.**

1. The Government does not accept this recommendation. Local circumstances differ too much for one standard.

**Recommendation 2: The Department should look again at how hospitals handle discharge letters.**

2. The Government notes the Committee's view.
"""))
    a = match_response(report, response)
    by = {m.recommendation.number: m for m in a.matches}
    assert by["3"].status == "matched" and by["3"].stance == "not accepted"
    # Numbered 2, but its words are not recommendation 2's: shown as not matched, with the reason.
    assert by["2"].status == "not matched" and "numbered 2" in by["2"].reason
    assert by["1"].status == "not matched" and "no reply" in by["1"].reason
    assert a.within_two_months is False  # 20 May is more than two months after 10 January


def test_a_label_contradicted_by_the_quoted_words_follows_the_words(tmp_path: Path) -> None:
    report = load_document(_md(tmp_path / "r.md", "report", "2024-01-10", REPORT_MD))
    response = load_document(_md(tmp_path / "resp.md", "response", "2024-02-20", """# Government response

**Recommendation 1: The Department should require trusts to tell each patient their expected wait within three months of this report.**

1. We accept this recommendation and will write to trusts.
"""))
    by = {m.recommendation.number: m for m in match_response(report, response).matches}
    assert by["2"].status == "matched" and by["2"].stance == "accepted"
    assert "quoted words are those of recommendation 2" in by["2"].reason
    assert by["1"].status == "not matched"


@pytest.mark.parametrize("sentence, stance", [
    ("The Government accepts this recommendation.", "accepted"),
    ("We agree with the Committee.", "accepted"),
    ("The Government accepts this recommendation in part.", "partly accepted"),
    ("The Department accepts the recommendation in principle but cannot fund it now.", "partly accepted"),
    ("The Government does not accept this recommendation.", "not accepted"),
    ("We reject this recommendation.", "not accepted"),
    ("The Government notes the recommendation.", "noted"),
    ("NHS England is reviewing the position.", "not addressed"),
])
def test_stance_phrases(sentence: str, stance: str) -> None:
    assert classify_reply([sentence])[0] == stance


@pytest.mark.parametrize("text, deadline", [
    ("The Department should report by March 2026 on progress.", "by March 2026"),
    ("We will publish a plan within six months.", "within six months"),
    ("NHS England should act by the end of 2025.", "by the end of 2025"),
    ("Trusts should be ready by spring 2027.", "by spring 2027"),
    ("The Government should consider this carefully.", None),
])
def test_deadlines(text: str, deadline: str | None) -> None:
    assert find_deadline(text) == deadline


def test_cli_lists_recommendations_with_replies_as_json(capsys) -> None:
    from evidence_assistant.surfaces import cli_tracker

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli_tracker.register(sub)
    args = parser.parse_args(["recommendations", str(REPORT), str(RESPONSE), "--json", "--report", "conclusions and recommendations"])
    assert args.func(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and len(rows[0]["recommendations"]) == 8
    stances = {m["recommendation"]["number"]: m["stance"] for m in rows[0]["response"]["matches"]}
    assert stances == {n: s for n, (s, _) in EXPECTED_REPLIES.items()}


def test_cli_names_a_missing_report(tmp_path: Path) -> None:
    from evidence_assistant.surfaces import cli_tracker
    from evidence_assistant.core.errors import EvidenceError

    parser = argparse.ArgumentParser()
    cli_tracker.register(parser.add_subparsers())
    args = parser.parse_args(["recommendations", str(REPORT), "--report", "HC 9999"])
    with pytest.raises(EvidenceError, match="HC 9999"):
        args.func(args)
    args = parser.parse_args(["recommendations", str(tmp_path / "missing.html")])
    with pytest.raises(EvidenceError, match="missing.html"):
        args.func(args)


def test_a_number_heading_above_the_quotation_or_alone_still_matches(tmp_path: Path) -> None:
    report = load_document(_md(tmp_path / "r.md", "report", "2024-01-10", REPORT_MD))
    response = load_document(_md(tmp_path / "resp.md", "response", "2024-02-01", """# Government response

## Recommendation 3

We recommend that the Government set a national standard for community waiting times.

1. The Government accepts this recommendation in part.

## Recommendation 1

2. The Government agrees with this recommendation and will publish the data from April 2025.
"""))
    by = {m.recommendation.number: m for m in match_response(report, response).matches}
    assert (by["3"].status, by["3"].stance, by["3"].reason) == ("matched", "partly accepted", None)
    assert (by["1"].status, by["1"].stance, by["1"].method) == ("matched", "accepted", "number")
    assert by["2"].status == "not matched"
