"""Commitments proposed from the documents themselves: undertakings with owner and deadline,
measured against a list checked by hand in real policy documents (tests/corpus/real_commitments.yaml)
and on the sample response."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from evidence_assistant.tracker.recommendations import load_document, propose_commitments
from evidence_evals.tracker_suite import real_commitment_lists, score_commitments

HERE = Path(__file__).resolve().parent
RESPONSE = HERE.parents[1] / "corpus" / "sample" / "hc1803-replies-to-recommendations.pdf"

# The matching rule is the tracker suite's (evals/tracker_suite.py), so that the report of
# `evidence eval --suite tracker` and these tests measure the same thing.
CHECKED = real_commitment_lists(HERE / "real_commitments.yaml")
# The share of dated commitments whose proposal carries the stated deadline. In the 10 Year Health
# Plan summary the two-column layout puts most dates in another fragment than their undertaking
# ("by 2027" on a line of its own), so only a floor against regression is held there.
DEADLINE_TARGET = {"commitments.md": 0.9, "priorities-and-operational-planning-guidance-january-2025.md": 0.8,
                   "10-year-health-plan-for-england-executive-summary.md": 0.4}


@pytest.mark.parametrize("entry", CHECKED, ids=[Path(e["file"]).stem for e in CHECKED])
def test_real_commitments_are_found_with_their_deadlines(entry: dict, shared_data: Path) -> None:
    """Recall >= 0.9 and precision >= 0.8 against the hand-checked list of each real document. A
    checked commitment is found when a proposal holds its key (or, where a column break splits
    the undertaking from its opening words, its ``also`` run); a proposal is right when it holds
    the key or run of some checked commitment."""
    path = shared_data / entry["file"]
    proposals = propose_commitments(load_document(path))
    score = score_commitments(entry["commitments"], proposals)
    print(f"{path.name}: {score.checked} checked, {score.proposed} proposed, recall {score.recall:.3f}, "
          f"precision {score.precision:.3f}")
    assert score.recall >= 0.9, (entry["file"], score.recall, score.missed)
    assert score.precision >= 0.8, (entry["file"], score.precision, score.extra)
    assert score.deadline_share >= DEADLINE_TARGET[path.name], (entry["file"], score.deadline_right, score.dated)


def test_sample_response_undertakings_carry_owner_deadline_and_citation() -> None:
    proposals = propose_commitments(load_document(RESPONSE))
    first = proposals[0]
    assert first.text.startswith("NHS England will publish a single assessment route")
    assert (first.owner, first.deadline, first.page, first.paragraph) == ("NHS England", "by March 2024", "2", "4")
    assert all(p.status == "proposed" for p in proposals)
    texts = " ".join(p.text for p in proposals)
    # The quoted recommendations are the Committee's requests, not the Government's undertakings,
    # and "cannot commit" is not a commitment.
    assert "should" not in texts
    assert "cannot commit" not in texts
    assert any(p.owner == "The Department and NHS England" and p.deadline == "by the end of 2023" for p in proposals)


def test_lead_in_items_inherit_their_owner_and_consequences_are_left_out(tmp_path: Path) -> None:
    doc = tmp_path / "policy.md"
    doc.write_text("""---
title: A policy
kind: policy
date: "2024-03-01"
publisher: Department of Health and Social Care
---

# A policy

## What we will do

By 2026 NHS England will:

- connect every trust to the national record locator
- retire the last paper referral forms by March 2027

This will mean fewer lost referrals.

If funding allows, trusts will add further services.

Patients told us they want faster results.

The Government is committed to publishing progress each year.
""", encoding="utf-8")
    proposals = propose_commitments(load_document(doc))
    got = {p.text: (p.owner, p.deadline) for p in proposals}
    assert got == {
        "connect every trust to the national record locator": ("NHS England", None),
        "retire the last paper referral forms by March 2027": ("NHS England", "by March 2027"),
        "The Government is committed to publishing progress each year.": ("The Government", None),
    }, got


def test_cli_propose_prints_json(capsys) -> None:
    from evidence_assistant.surfaces import cli_tracker

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    commitments = sub.add_parser("commitments")
    commitments.add_argument("--json", action="store_true")
    cli_tracker.register(sub, commitments_parser=commitments)
    args = parser.parse_args(["commitments", "propose", str(RESPONSE), "--json"])
    assert args.func(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["owner"] == "NHS England" and rows[0]["deadline"] == "by March 2024"
    # The registry table is still the default of `commitments` with no action.
    args = parser.parse_args(["commitments"])
    assert getattr(args, "commitments_action", None) is None


def test_lists_run_on_past_layout_fragments_and_only_undertaking_lead_ins_make_undertakings(tmp_path: Path) -> None:
    """A plan converted from a two-column PDF: lines of the other column fall between a lead-in
    and its bulleted items, and a heading is split off with a small letter; the list still runs on. Lists that
    introduce capabilities or requirements, needs, expectations of others, states and claims
    about the plan itself are not undertakings; a dated outcome opening with "By" is."""
    doc = tmp_path / "plan.md"
    doc.write_text("""---
title: A plan
kind: plan
date: "2025-07-01"
publisher: Department of Health and Social Care
---

# A plan

To make this possible we will:

communities and regions, working with the

• open a clinic in every town.

Partners in local government and the

**new ways of working**

• train more community nurses

• This is only the start.

With these changes we will be able to:

• see patients sooner

• cut waiting lists

All systems must:

• publish their waiting times

We expect that trusts will review their estates.

The NHS will need to reduce spending on agency staff.

Payment for poor care will be withheld.

This Plan will transform care.

By 2028, the app will be the front door to the NHS.
""", encoding="utf-8")
    got = {p.text: (p.owner, p.deadline) for p in propose_commitments(load_document(doc))}
    assert got == {
        "• open a clinic in every town.": ("Department of Health and Social Care", None),
        "• train more community nurses": ("Department of Health and Social Care", None),
        "By 2028, the app will be the front door to the NHS.": (None, "By 2028"),
    }, got
