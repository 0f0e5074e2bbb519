"""Reports: one JSON file with everything, a Markdown summary a person reads, and a PNG chart
comparing configurations side by side (matplotlib's Agg backend: no display needed)."""
from __future__ import annotations

from evidence_assistant.core.md_escape import md_text
import json
import math
from pathlib import Path
from typing import Any

from . import gate

# What each suite's table and chart show, in order: (metric key, label).
SAMPLE_COLUMNS = [
    ("answer_correctness", "correct"), ("key_fact_recall", "key facts"), ("answer_precision", "precision (answered)"),
    ("citation_recall_checker", "cit. recall (checker)"), ("citation_precision_checker", "cit. precision (checker)"),
    ("citation_recall_exact", "cit. recall (exact)"), ("citation_precision_exact", "cit. precision (exact)"),
    ("refusal_precision", "refusal P"), ("refusal_recall", "refusal R"),
    ("false_premise_handled", "false premise handled"), ("false_premise_accepted", "premises accepted"),
    ("retrieval_recall@5", "R@5"), ("retrieval_recall@10", "R@10"), ("retrieval_mrr@10", "MRR@10"),
    ("retrieval_ndcg@10", "nDCG@10"), ("latency_p50_s", "p50 s"), ("latency_p95_s", "p95 s"),
]
REAL_COLUMNS = [
    ("answer_correctness", "correct"), ("key_fact_recall", "key facts"), ("answer_precision", "precision (answered)"),
    ("first_sentence_key_fact", "fact in 1st sentence"), ("repeated_fact", "repeats"),
    ("repeated_fact_share", "repeats (share)"),
    ("citation_recall_exact", "cit. recall (exact)"), ("citation_precision_exact", "cit. precision (exact)"),
    ("citation_precision_checker", "cit. precision (checker)"),
    ("refusal_precision", "refusal P"), ("refusal_recall", "refusal R"),
    ("false_premise_handled", "false premise handled"), ("false_premise_accepted", "premises accepted"),
    ("retrieval_recall@5", "R@5"), ("retrieval_recall@10", "R@10"), ("retrieval_ndcg@10", "nDCG@10"),
    ("latency_p50_s", "p50 s"), ("latency_p95_s", "p95 s"),
]
# The real suite beside the sample suite: the metrics both compute.
BESIDE_COLUMNS = [c for c in REAL_COLUMNS if c[0] in dict(SAMPLE_COLUMNS)]
SPLIT_SUITES = ("sample", "real")  # suites whose metrics are {"all", "dev", "test"}
SCIFACT_COLUMNS = [("ndcg@10", "nDCG@10"), ("recall@100", "R@100"), ("recall@10", "R@10"), ("mrr@10", "MRR@10"),
                   ("latency_p50_s", "p50 s"), ("latency_p95_s", "p95 s")]
COVIDQA_COLUMNS = [("hit@1", "hit@1"), ("hit@5", "hit@5"), ("hit@10", "hit@10"), ("doc@10", "article@10"),
                   ("f1", "answer F1"), ("f1_first_sentence", "F1 (1st sentence)"), ("answer_recall", "answer recall"),
                   ("latency_p50_s", "p50 s"), ("latency_p95_s", "p95 s")]
TRACKER_SAMPLE_COLUMNS = [
    ("recommendations_checked", "checked"), ("recommendations_found", "found"),
    ("recommendation_precision", "precision"), ("recommendation_recall", "recall"),
    ("recommendation_details_right", "paragraph, words, deadline right"), ("replies_matched", "replies matched"),
    ("reply_match_rate", "replies matched (share)"), ("stance_accuracy", "stance right"),
]
TRACKER_DOCUMENT_COLUMNS = [("checked", "checked"), ("proposed", "proposed"), ("recall", "recall"),
                            ("precision", "precision"), ("dated", "dated"), ("deadline_share", "deadline right")]
TRACKER_PROGRESS_COLUMNS = [
    ("strategy_commitments", "commitments proposed"), ("commitments_with_later_passages", "with later passages"),
    ("later_passages_cited", "passages cited"), ("citations_outside_passage", "quote not in passage"),
    ("citations_not_later", "not later"), ("checked_pairs_found", "checked passages found"),
    ("checked_pairs", "checked passages"), ("commitments_with_evidence", "checked commitments with evidence"),
]
CHART_METRICS = {
    "sample": ["answer_correctness", "citation_recall_checker", "citation_precision_checker", "citation_recall_exact",
               "refusal_precision", "refusal_recall", "false_premise_handled", "retrieval_recall@5", "retrieval_ndcg@10"],
    "scifact": ["ndcg@10", "recall@100", "mrr@10"],
    "scifact_subset": ["ndcg@10", "recall@100", "mrr@10"],
    "covidqa": ["hit@1", "hit@5", "hit@10", "f1", "answer_recall"],
    "real": ["answer_correctness", "key_fact_recall", "first_sentence_key_fact", "repeated_fact_share",
             "citation_recall_exact", "refusal_precision", "refusal_recall", "false_premise_handled",
             "retrieval_recall@5", "retrieval_recall@10", "retrieval_ndcg@10"],
    "tracker": ["recommendation_precision", "recommendation_recall", "reply_match_rate", "stance_accuracy",
                "commitment_recall_min", "commitment_precision_min"],
}


def fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def table(rows: list[tuple[str, dict[str, Any]]], columns: list[tuple[str, str]],
          first: str = "configuration") -> list[str]:
    head = f"| {first} | " + " | ".join(label for _, label in columns) + " |"
    sep = "|---|" + "---:|" * len(columns)
    body = [f"| {name} | " + " | ".join(fmt(m.get(k)) for k, _ in columns) + " |" for name, m in rows]
    return [head, sep, *body]


def _flat(suite: str, results: dict[str, Any], split: str = "all") -> dict[str, dict[str, Any]]:
    """{config: metrics} for one suite (the chosen split of a suite with splits)."""
    out = {}
    for config, r in results.get("configs", {}).items():
        m = r.get("metrics", {})
        out[config] = m.get(split, {}) if suite in SPLIT_SUITES else m
    return out


def chart(suite: str, results: dict[str, Any], path: Path) -> Path | None:
    """Grouped bars: one group per metric, one bar per configuration."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    flat = _flat(suite, results)
    keys = [k for k in CHART_METRICS.get(suite, []) if any(isinstance(m.get(k), (int, float)) for m in flat.values())]
    if not flat or not keys:
        return None
    configs = list(flat)
    width = 0.8 / len(configs)
    baselines = results.get("baselines") or {}
    if baselines:
        fig, (ax, side) = plt.subplots(1, 2, figsize=(13, 4.8), dpi=110, gridspec_kw={"width_ratios": [3, 2]})
    else:
        fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(keys) + 2), 4.6), dpi=110)
    colours = {cfg: f"C{i % 10}" for i, cfg in enumerate(configs)}
    for i, cfg in enumerate(configs):
        vals = [flat[cfg].get(k) for k in keys]
        vals = [v if isinstance(v, (int, float)) and not math.isnan(v) else 0.0 for v in vals]
        xs = [j + (i - (len(configs) - 1) / 2) * width for j in range(len(keys))]
        bars = ax.bar(xs, vals, width=width * 0.95, label=cfg, color=colours[cfg])
        if len(configs) * len(keys) <= 40:
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], fontsize=6, rotation=90, padding=2)
    if baselines:
        # nDCG@10 of each configuration beside the published numbers for the same test queries.
        rows = [(cfg, flat[cfg].get("ndcg@10") or 0.0, colours[cfg]) for cfg in configs]
        rows += [(name, value, "lightgrey") for name, value in baselines.items()]
        rows.sort(key=lambda r: r[1])
        side.barh(range(len(rows)), [r[1] for r in rows], color=[r[2] for r in rows])
        side.set_yticks(range(len(rows)))
        side.set_yticklabels([r[0] for r in rows], fontsize=7)
        for y, (_, v, _) in enumerate(rows):
            side.text(v + 0.005, y, f"{v:.3f}", va="center", fontsize=7)
        lo = min(r[1] for r in rows)
        side.set_xlim(max(0.0, lo - 0.1), min(1.0, max(r[1] for r in rows) + 0.08))
        side.set_title("nDCG@10: this product (colour) vs published (grey)", fontsize=9)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([k.replace("_", " ") for k in keys], rotation=20, ha="right", fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_title(f"{suite}: configurations side by side")
    ax.legend(fontsize=7, ncol=min(len(configs), 5), loc="upper center", bbox_to_anchor=(0.5, -0.22))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def write_json(results: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_jsonable(results), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _failure_lines(cfg: str, groups: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = [f"### Cases that went wrong ({cfg})", ""]
    for cause, items in groups.items():
        lines.append(f"- **{cause}** ({len(items)})")
        lines += [f"  - `{x['id']}` {md_text(x['question'])}" + (f" — {md_text(x['detail'])}" if x["detail"] else "")
                  for x in items]
    return lines + [""]


def sample_for_comparison(all_results: dict[str, dict[str, Any]], out_dir: Path | None) -> dict[str, Any] | None:
    """The sample suite's results to set beside the real suite's: from this run, else from the
    sample.json an earlier run wrote into the same folder."""
    if all_results.get("sample", {}).get("configs"):
        return all_results["sample"]
    for p in ([Path(out_dir) / "sample.json"] if out_dir else []) + [Path(__file__).resolve().parent / "reports"
                                                                       / "sample.json"]:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("configs"):
            data["_from"] = str(p)
            return data
    return None


def beside_sample(real: dict[str, Any], sample: dict[str, Any] | None) -> list[str]:
    """One table: the real suite and the sample suite, same configurations, splits side by side."""
    if not sample:
        return ["(No sample-suite results to set beside these: run `evidence eval --suite sample` into the same "
                "folder.)", ""]
    rows = []
    for cfg in real.get("configs", {}):
        for suite, res in (("real", real), ("sample", sample)):
            m = res.get("configs", {}).get(cfg, {}).get("metrics", {})
            for split in ("dev", "test", "all"):
                if m.get(split):
                    rows.append((f"{cfg} · {suite} · {split}", m[split]))
    src = f" (sample figures from `{Path(sample['_from']).name}` of an earlier run)" if sample.get("_from") else ""
    return [f"Beside the sample suite{src}:", ""] + table(rows, BESIDE_COLUMNS) + [""]


def markdown(all_results: dict[str, dict[str, Any]], thresholds: dict[str, Any] | None = None,
             out_dir: Path | None = None) -> str:
    """The summary of every suite that ran."""
    from . import real_suite
    from .sample_suite import failures

    lines = ["# Evidence Assistant — evaluation report", ""]
    for suite, res in all_results.items():
        if res.get("skipped"):
            lines += [f"## {suite}", "", f"Skipped: {res['skipped']}", ""]
            continue
        lines += [f"## {suite}", ""]
        if res.get("description"):
            lines += [res["description"], ""]
        if suite == "sample":
            for split in ("all", "dev", "test"):
                rows = [(c, r["metrics"].get(split, {})) for c, r in res["configs"].items()]
                lines += [f"### Split: {split}", ""] + table(rows, SAMPLE_COLUMNS) + [""]
            lines += ["Answer correctness by case type (all cases):", ""]
            types = sorted({t for r in res["configs"].values() for t in r["metrics"]["all"].get("correctness_by_type", {})})
            lines += table([(c, r["metrics"]["all"].get("correctness_by_type", {})) for c, r in res["configs"].items()],
                           [(t, t) for t in types]) + [""]
            for cfg, r in res["configs"].items():
                groups = failures(r.get("cases", []))
                if not groups:
                    continue
                lines += _failure_lines(cfg, groups)
                break  # the first configuration (default) is the one people act on
        elif suite == "real":
            for split, title in (("dev", "dev (settings may be chosen here)"),
                                 ("test", "test (reported, never tuned on)"), ("all", "dev and test together")):
                rows = [(c, r["metrics"].get(split, {})) for c, r in res["configs"].items()]
                lines += [f"### Split: {title}", ""] + table(rows, REAL_COLUMNS) + [""]
            lines += beside_sample(res, sample_for_comparison(all_results, out_dir))
            lines += ["Answer correctness by question type (all cases):", ""]
            types = [t for t in real_suite.TYPES
                     if any(t in r["metrics"]["all"].get("correctness_by_type", {}) for r in res["configs"].values())]
            lines += table([(c, r["metrics"]["all"].get("correctness_by_type", {})) for c, r in res["configs"].items()],
                           [(t, t) for t in types]) + [""]
            if res.get("index_seconds"):
                lines += ["Index build: " + ", ".join(f"`{k}` {v} s (0 when reused from the cache)"
                                                     for k, v in res["index_seconds"].items()) + "; suite run: "
                          + ", ".join(f"{c} {r.get('seconds')} s" for c, r in res["configs"].items()) + ".", ""]
            first = next(iter(res["configs"].values()), {})
            if first.get("unresolved_support"):
                lines += ["Supporting entries no indexed passage holds (these cases cannot score on retrieval):", ""]
                lines += [f"- {x}" for x in first["unresolved_support"]] + [""]
            for cfg, r in res["configs"].items():
                groups = real_suite.failures(r.get("cases", []))
                if groups:
                    lines += _failure_lines(cfg, groups)
                break
        elif suite == "tracker":
            lines += tracker_lines(res)
        else:
            cols = {"scifact": SCIFACT_COLUMNS, "scifact_subset": SCIFACT_COLUMNS, "covidqa": COVIDQA_COLUMNS}[suite]
            rows = [(c, r["metrics"]) for c, r in res["configs"].items()]
            lines += table(rows, cols) + [""]
            if res.get("baselines"):
                lines += ["Published nDCG@10 on the same 300 test queries (shared/data/beir-scifact/BASELINES.md):", ""]
                lines += [f"- {k}: {v:.3f}" for k, v in res["baselines"].items()] + [""]
            if suite == "scifact":
                lines += tuning_summary()
            for note in res.get("notes", []):
                lines += [f"- {note}"]
            if res.get("notes"):
                lines.append("")
        if thresholds is not None:
            flat = {c: r["metrics"] for c, r in res.get("configs", {}).items()}
            checks = gate.checks(suite, flat, thresholds)
            goals = gate.targets(suite, flat, thresholds)
            if checks or goals:
                lines += ["Gate (evals/thresholds.toml) and targets:", ""]
                lines += [f"- {'PASS' if c.passed else 'FAIL'} gate: {c.message()}" for c in checks]
                lines += [f"- {'met' if c.passed else 'not met'} target: {c.message()}" for c in goals]
                lines.append("")
        for cfg, r in res.get("configs", {}).items():
            if r.get("settings"):
                lines.append(f"- `{cfg}`: " + ", ".join(f"{k}={v}" for k, v in r["settings"].items()))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def tracker_lines(res: dict[str, Any]) -> list[str]:
    """The tracker suite's tables: the sample pair, each real document's proposals, the later evidence."""
    rows = [(c, r["metrics"]) for c, r in res.get("configs", {}).items()]
    sample = res.get("sample", {})
    lines = [f"### Recommendations and replies: `{sample.get('report')}` and `{sample.get('response')}`", ""]
    lines += table(rows[:1], TRACKER_SAMPLE_COLUMNS) + [""]
    wrong = [r for r in sample.get("recommendations", [])
             if not (r["found"] and r["details_right"] and r["matched"] and r["stance"] == r["expected_stance"])]
    lines += [f"- Recommendation {r['number']}: found {fmt(r['found'])}, details right {fmt(r['details_right'])}, "
              f"stance {md_text(str(r['stance']))} (checked: {md_text(r['expected_stance'])})" for r in wrong]
    if wrong:
        lines.append("")
    docs = res.get("documents", [])
    lines += ["### Commitments proposed from real documents (hand-checked: tests/corpus/real_commitments.yaml)", ""]
    lines += table([(f"`{Path(d['file']).name}`", d) for d in docs], TRACKER_DOCUMENT_COLUMNS, first="document") + [""]
    for d in docs:
        if d.get("missed"):
            lines.append(f"- Missed in `{Path(d['file']).name}`: " + "; ".join(md_text(m) for m in d["missed"]))
        if d.get("extra"):
            lines.append(f"- Proposed beyond the list in `{Path(d['file']).name}`: "
                         + "; ".join(md_text(x) for x in d["extra"]))
    if any(d.get("missed") or d.get("extra") for d in docs):
        lines.append("")
    first = next(iter(res.get("configs", {}).values()), {})
    prog = first.get("progress", {})
    lines += [f"### Later evidence for the commitments of `{Path(prog.get('document', '')).name}` "
              f"(made {prog.get('made')})", ""]
    lines += table(rows, TRACKER_PROGRESS_COLUMNS) + [""]
    for p in prog.get("pairs", []):
        got = md_text(p["cited"]) if p["found"] else "**not found**"
        lines.append(f"- {md_text(p['commitment'])} → {md_text(p['title'])}: {got}")
    statuses = prog.get("metrics", {}).get("statuses")
    if statuses:
        lines += ["", "Statuses read from the cited sentences (a status only where a sentence states it): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + "."]
    seconds = ", ".join(f"{c} {r.get('seconds')} s" for c, r in res.get("configs", {}).items())
    lines += ["", f"Run time: proposals and the sample pair {res.get('static_seconds')} s; later evidence {seconds}; "
              + ", ".join(f"index `{k}` {v} s (0 when reused from the cache)" for k, v in res.get("index_seconds", {}).items())
              + ".", ""]
    return lines


def tuning_summary(path: Path | None = None) -> list[str]:
    """What evals/tune_scifact.py chose on the train queries, and the test scores of its proposals."""
    p = path or Path(__file__).resolve().parent / "reports" / "scifact-tuning.json"
    try:
        t = json.loads(p.read_text())
    except (OSError, ValueError):
        return []
    out = [f"Tuning on the {t.get('n_queries')} train queries (`{p.name}`): reference RRF "
           f"{fmt(t['reference']['ndcg@10'])} train nDCG@10; chosen "
           + ", ".join(f"{k}={v}" for k, v in t["chosen"]["settings"].items())
           + f" → {fmt(t['chosen']['ndcg@10'])} on train.", ""]
    shipped = t.get("stages", {}).get("6_weighted_fusion")
    if shipped:
        b, mm = shipped["best"], shipped["best_min_max"]
        out += [f"Shipped since (stage 6, `--weighted`): BM25 over `{shipped.get('lexical_text')}` and weighted "
                "score fusion, each list scaled by its best score: "
                + ", ".join(f"{k}={v}" for k, v in b["settings"].items())
                + f" → {fmt(b['ndcg@10'])} on train (min–max scaling at best {fmt(mm['ndcg@10'])}). These are the "
                "default settings; the `default` row above is their test score.", ""]
    ctx = t.get("stages", {}).get("6_weighted_fusion_with_lexical_context")
    if ctx:
        b, once, sample = ctx["best"], ctx.get("test_once", {}), ctx.get("sample_correctness", {})
        why = (f" (answer correctness {fmt(sample.get('lexical_context'))} against {fmt(sample.get('default'))})"
               if sample else "")
        out += [f"With `EVIDENCE_LEXICAL_CONTEXT=true` (BM25 also reads titles and headings) the same search "
                "chose " + ", ".join(f"{k}={v}" for k, v in b["settings"].items())
                + f" → {fmt(b['ndcg@10'])} on train, {fmt(once.get('ndcg@10'))} on test; it is not the default "
                f"because it does worse on the sample suite{why}.", ""]
    prop = t.get("stages", {}).get("5_proposals")
    if prop:
        b = prop["best_on_train"]
        out += [f"Earlier proposals (stage 5, before they shipped), chosen on train: lexical tokens `{b['lexical']}` with fusion "
                f"`{b['fusion']}` → {fmt(b['train']['ndcg@10'])} on train. Scored once on test:", ""]
        out += [f"- {r['lexical']} / {r['fusion']}: nDCG@10 {fmt(r['test']['ndcg@10'])}, "
                f"R@100 {fmt(r['test']['recall@100'])}" for r in prop["test_report"]]
        out.append("")
    return out

