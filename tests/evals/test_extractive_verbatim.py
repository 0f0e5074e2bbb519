"""The property the issue demands of the default answerer, over the whole sample eval set: every
sentence of every extractive answer is word for word in the passage it cites, at the characters
its citation names."""
from __future__ import annotations

from evidence_evals.metrics import normalise_text, strip_markers, verbatim_in


def test_every_extractive_sentence_is_verbatim_in_its_cited_passage(sample_run):
    checked, problems = 0, []
    for rec in sample_run["cases"]:
        ans = rec["_answer"]
        if ans.answerer != "extractive":
            continue
        passages = {sp.passage.passage_id: sp.passage for sp in ans.passages}
        for i, sentence in enumerate(ans.sentences):
            cites = [c for c in ans.citations if c.sentence == i]
            if not cites:
                problems.append(f"{rec['id']}: sentence {i} cites nothing: {sentence.text!r}")
            for c in cites:
                p = passages.get(c.passage_id)
                if p is None:
                    problems.append(f"{rec['id']}: [{c.n}] cites a passage that was not shown")
                    continue
                checked += 1
                if p.text[c.quote_start:c.quote_end] != c.quote:
                    problems.append(f"{rec['id']}: [{c.n}] quote offsets do not give the quote")
                if not verbatim_in(sentence.text, p.text):
                    problems.append(f"{rec['id']}: {sentence.text!r} is not in the passage it cites ({c.path}, "
                                    f"para. {c.paragraph})")
                elif normalise_text(strip_markers(sentence.text)).rstrip(".!?") not in normalise_text(c.quote) + " ":
                    problems.append(f"{rec['id']}: [{c.n}] quote {c.quote!r} is not the sentence {sentence.text!r}")
    assert checked > 100, f"only {checked} citations checked; did the sample suite answer anything?"
    assert not problems, "\n".join(problems[:20])
