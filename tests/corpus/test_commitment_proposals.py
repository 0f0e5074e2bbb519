"""Commitments proposed from the documents themselves: undertakings with owner and deadline,
measured against a list checked by hand in real policy documents (tests/corpus/real_commitments.yaml)
and on the sample response."""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest
import yaml

from evidence_assistant.tracker.recommendations import load_document, propose_commitments

HERE = Path(__file__).resolve().parent
RESPONSE = HERE.parents[1] / "corpus" / "sample" / "hc1803-replies-to-recommendations.pdf"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'")).strip()


def test_real_commitments_are_found_with_their_deadlines(shared_data: Path) -> None:
    checked = yaml.safe_load((HERE / "real_commitments.yaml").read_text(encoding="utf-8"))["documents"]
    for entry in checked:
        path = shared_data / entry["file"]
        proposals = propose_commitments(load_document(path))
        gold = entry["commitments"]
        keys = [_key(g["key"]) for g in gold]
        texts = [_key(p.text) for p in proposals]
        found = [any(k in t for t in texts) for k in keys]
        correct = [any(k in t for k in keys) for t in texts]
        recall, precision = sum(found) / len(keys), sum(correct) / max(len(texts), 1)
        missed = [g["key"] for g, f in zip(gold, found) if not f]
        extra = [p.text[:80] for p, c in zip(proposals, correct) if not c]
        assert recall >= 0.9, (entry["file"], recall, missed)
        assert precision >= 0.8, (entry["file"], precision, extra)
        dated = [g for g in gold if g.get("deadline")]
        right = 0
        for g in dated:
            p = next(p for p in proposals if _key(g["key"]) in _key(p.text))
            right += bool(p.deadline) and _key(g["deadline"]) in _key(p.deadline)
        assert right / len(dated) >= 0.9, (entry["file"], right, len(dated))


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
