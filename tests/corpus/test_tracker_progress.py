"""Progress on recommendations and commitments: later passages that bear on each, cited, with a
status only where a cited sentence states it; `evidence digest --since`; and, on the real
documents, the later passages found for commitments of the 2022 data strategy (checked by hand)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from evidence_assistant.core.errors import EvidenceError
from evidence_assistant.tracker.tracker_progress import (NO_EVIDENCE, TrackedItem, digest, distinctive_terms, evidence_status,
                                        item_from_proposal, progress, shared, tracker_rows)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tracker_corpus  # noqa: E402

from evidence_evals import tracker_suite  # noqa: E402


@pytest.mark.parametrize("sentence, status", [
    ("The national dashboard has now been launched across England.", "met"),
    ("The standard was published in March 2024.", "met"),
    ("The target has not been met and will be revisited.", "missed"),
    ("The programme did not meet its March deadline.", "missed"),
    ("Roll-out has been delayed to 2025.", "off track"),
    ("The programme is behind schedule.", "off track"),
    ("Trusts are on track to connect by 2026.", "on track"),
    ("Good progress has been made in the first year.", "on track"),
    ("NHS England will publish the dashboard by December.", None),
    ("The dashboard would be launched if funding allowed it.", None),
])
def test_status_is_read_only_from_what_a_sentence_states(sentence: str, status: str | None) -> None:
    assert evidence_status(sentence) == status


def test_a_passage_bears_on_an_item_only_through_its_distinctive_terms() -> None:
    rare = {"feder": 5.0, "platform": 4.5, "census": 6.0, "observatori": 5.5, "pact": 6.0}
    idf = lambda toks: [rare.get(t, 7.3 if t == "\u2063unseen\u2063" else 1.0) for t in toks]  # noqa: E731
    terms = distinctive_terms("We will have a federated data platform that will provide the connectivity needed.", idf)
    assert ("data", "platform") in terms.phrases and ("feder", "data") in terms.phrases
    words, _ = shared(terms, "Further roll-out of the Federated Data Platform took place this year.")
    assert "feder data" in words
    # Common words in common ("data", "provide", "needed") do not make a passage bear on it.
    assert shared(terms, "The data provide what is needed for planning.") == ([], 0.0)
    # Dates and numbers say when, not what.
    dated = distinctive_terms("We will publish the census (November 2022).", lambda t: [7.0] * len(t))
    assert "novemb" not in dated.rare and "2022" not in dated.rare


def test_an_item_without_a_date_needs_one_to_tell_later_from_earlier() -> None:
    item = TrackedItem(kind="commitment", key="x", label="Commitment 3", text="We will build a thing.", date=None,
                       source="plan.md", source_title="A plan")
    with pytest.raises(EvidenceError, match=r"Commitment 3 \(plan.md\) has no date.*--since"):
        progress(item, assistant=None)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    a = tracker_corpus.build_index(tmp_path_factory.mktemp("tracker"))
    yield a
    a.close()


@pytest.mark.slow
def test_progress_cites_later_passages_and_states_status_only_where_they_do(small) -> None:
    rows, notes = tracker_rows(small)
    assert notes == []
    by_number = {r.number: r for r in rows}
    assert [r.number for r in rows] == ["1", "2", "3", "4"]
    r1 = by_number["1"]
    assert r1.stance == "accepted" and r1.decisive.quote == "The Government accepts this recommendation."
    (ev,) = r1.progress.evidence
    assert (ev.title, ev.date, ev.status) == ("Urgent care progress update (test)", "2024-05-01", "met")
    assert ev.quote == "The national bed-capacity dashboard has now been launched, and every trust reports its free beds daily."
    assert r1.progress.status == "met" and r1.progress.status_basis is ev
    # The earlier guidance mentions the dashboard too, but it predates the report.
    assert all(e.date > "2023-01-10" for r in rows for e in r.progress.evidence)
    r2 = by_number["2"]
    assert r2.stance == "not accepted" and r2.progress.status == "off track"
    assert "has been delayed to 2025" in r2.progress.status_basis.quote
    # Nothing later bears on recommendation 3: no status is guessed.
    assert by_number["3"].progress.evidence == [] and by_number["3"].progress.status == NO_EVIDENCE
    for r in rows:
        for e in r.progress.evidence:
            passage = small.index.manifest.passages([e.passage_id])[e.passage_id]
            assert e.quote in passage.text and e.title == passage.title


@pytest.mark.slow
def test_digest_lists_items_with_new_evidence_or_response(small, capsys) -> None:
    result = digest(small, "2024-01-01", registry=False)
    got = {e["item"]["label"]: e for e in result["items"]}
    new = got["Recommendation 1"]["new_evidence"]
    assert [e["title"] for e in new] == ["Urgent care progress update (test)"] and got["Recommendation 1"]["status"] == "met"
    # The response was indexed today, so it counts as new, with the sentence that decides it.
    assert got["Recommendation 3"]["new_response"]["stance"] == "noted"
    assert got["Recommendation 3"]["new_response"]["decisive"]["quote"].startswith("The Government notes")
    # Nothing is dated or indexed after a day in the future.
    assert digest(small, "2999-01-01", registry=False)["items"] == []
    with pytest.raises(EvidenceError, match="since"):
        digest(small, "last week", registry=False)

    from evidence_assistant.surfaces import cli_tracker
    parser = argparse.ArgumentParser()
    cli_tracker.register(parser.add_subparsers())
    args = parser.parse_args(["digest", "--since", "2024-01", "--json", "--no-registry",
                              "--index", str(small.settings.index_dir)])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["since"] == "2024-01-01"
    assert any(e["item"]["label"] == "Recommendation 2" and e["status"] == "off track" for e in out["items"])


# Real commitments of the 2022 data strategy and, for each, a later passage of another real
# document that bears on it, checked by hand: kept once, in evals/cases/tracker.yaml, which the
# tracker suite of `evidence eval` reads too.
PROGRESS = tracker_suite.load_cases()["progress"]
STRATEGY_DATE = str(PROGRESS["made"])
REAL = [(c["commitment"], c["title"], c["quote"]) for c in PROGRESS["evidence"]]


@pytest.fixture(scope="module")
def real(shared_data, tmp_path_factory):
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    root = shared_data / "uk-health-policy"
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    # The documents dated after the strategy, and an older one that must never be cited as later.
    files = tracker_suite.progress_files(root=shared_data)
    settings = Settings(index_dir=tmp_path_factory.mktemp("real-tracker"))
    ingest(files, settings=settings)
    a = Assistant.open(settings=settings, registry=None)
    yield a, root
    a.close()


@pytest.mark.slow
def test_real_commitments_show_later_real_passages_that_bear_on_them(real) -> None:
    from evidence_assistant.tracker.recommendations import load_document, propose_commitments

    a, root = real
    proposals = propose_commitments(load_document(root / "data_saves_lives_md" / "commitments.md"))
    seen: set[str] = set()
    for words, title, quote in REAL:
        n, c = next((i, p) for i, p in enumerate(proposals, 1) if words.lower() in p.text.lower())
        pr = progress(item_from_proposal(c, n, None), a, since=STRATEGY_DATE)
        hits = [e for e in pr.evidence if e.title.startswith(title) and quote in e.quote]
        assert hits, (words, [(e.title, e.quote[:80]) for e in pr.evidence])
        dates = [e.date for e in pr.evidence]
        assert dates == sorted(dates) and all(d and d >= STRATEGY_DATE[:len(d)] for d in dates)
        for e in pr.evidence:
            passage = a.index.manifest.passages([e.passage_id])[e.passage_id]
            assert e.quote in passage.text and e.shared_terms
        # None of these passages says the commitment was delivered or missed.
        assert pr.status == NO_EVIDENCE
        seen.add(words)
    assert len(seen) >= 5
