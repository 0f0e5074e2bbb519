"""`evidence eval`: run the suites for each configuration, write JSON, Markdown and PNG charts.

    evidence eval --suite sample                   # the project's cases, every configuration
    evidence eval --suite real                     # real UK health policy documents (../shared/data)
    evidence eval --suite tracker                  # recommendations and commitments vs hand-checked lists
    evidence eval --suite scifact --config default --config bm25
    evidence eval --suite all --out evals/reports  # what `make eval` runs

Each benchmark's index is built once (see evals/cache.py) and shared by every configuration;
a suite whose public data is absent is skipped with the reason, not failed.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Callable

from evidence_assistant.core.settings import Settings

from . import configs as cfgs
from . import gate, report
from .data import DataMissing

EXIT_OK, EXIT_ERROR = 0, 1
SUITES = ("sample", "real", "tracker", "scifact", "covidqa")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _bar(total: int, desc: str):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="q", file=sys.stderr, dynamic_ncols=True, leave=False,
                disable=None)  # off when stderr is not a terminal (CI logs stay readable)


def _config_settings(names: list[str], base: Settings) -> dict[str, Settings]:
    return {n: cfgs.settings_for(n, base) for n in names}


def _index_groups(settings: dict[str, Settings]) -> dict[tuple[Any, ...], list[str]]:
    """Configurations that can share one index (same model and chunking)."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for name, s in settings.items():
        key = tuple(str(getattr(s, k)) for k in cfgs.INDEX_SETTINGS)
        groups.setdefault(key, []).append(name)
    return groups


def run_sample(names: list[str], *, limit: int | None = None, root: Path | None = None,
               base: Settings | None = None) -> dict[str, Any]:
    from . import sample_suite

    cases = sample_suite.load_cases()
    if limit:
        cases = cases[:limit]
    settings = _config_settings(names, base or Settings())
    out: dict[str, Any] = {"description": (
        f"{len(cases)} cases over corpus/sample (evals/cases/sample.jsonl), split into dev and test: "
        "product thresholds (min_relevance, min_support) may be chosen on dev; test is reported beside it to "
        "show whether they carry over. Citation recall/precision follow ALCE, judged by the project's checker "
        "(support ≥ min_support) and by exact quotation."), "configs": {}}
    for name, s in settings.items():
        index_dir = sample_suite.build_index(s, root=root, log=_log)
        with _bar(len(cases), f"sample/{name}") as bar:
            res = sample_suite.run(s, cases=cases, index_dir=index_dir, progress=bar.update)
        res["settings"] = cfgs.describe(s)
        out["configs"][name] = res
        _log(f"sample/{name}: correctness {report.fmt(res['metrics']['all']['answer_correctness'])}, "
             f"citation recall {report.fmt(res['metrics']['all']['citation_recall_checker'])}")
    return out


def run_real(names: list[str], *, limit: int | None = None, root: Path | None = None,
             base: Settings | None = None, cases: list[Any] | None = None) -> dict[str, Any]:
    from . import real_suite

    real_suite.corpus_dir()  # DataMissing (the suite is skipped, saying why) before any work
    cases = cases if cases is not None else real_suite.load_cases()
    if limit:
        cases = cases[:limit]
    settings = _config_settings(names, base or Settings())
    n = {s: sum(c.split == s for c in cases) for s in real_suite.SPLITS}
    out: dict[str, Any] = {"description": (
        f"{len(cases)} cases ({n['dev']} dev, {n['test']} test) over the real UK health policy documents in "
        "../shared/data/uk-health-policy (PDF, Word, HTML, Markdown, JSON as published), from "
        + ", ".join(f.name for f in real_suite.case_files()) + ". Settings are chosen on the dev split only; "
        "test figures are reported, never tuned on. A supporting passage is one from the named document that "
        "holds the case's quote. Citation recall/precision follow ALCE (checker and exact quotation); "
        "'first sentence' is the share of correct answers whose first sentence holds a key fact; 'repeats' "
        "counts answers that state a key fact in two sentences or carry two near-duplicate sentences."),
        "configs": {}}
    for _, group in _index_groups(settings).items():
        t = time.perf_counter()
        index_dir = real_suite.build_index(settings[group[0]], root=root, log=_log)
        out.setdefault("index_seconds", {})[str(index_dir.name)] = round(time.perf_counter() - t, 1)
        for cfg in group:
            s = settings[cfg]
            with _bar(len(cases), f"real/{cfg}") as bar:
                res = real_suite.run(s, cases=cases, index_dir=index_dir, progress=bar.update)
            res["settings"] = cfgs.describe(s)
            out["configs"][cfg] = res
            m = res["metrics"]
            _log(f"real/{cfg}: correctness dev {report.fmt(m.get('dev', {}).get('answer_correctness'))}, "
                 f"test {report.fmt(m.get('test', {}).get('answer_correctness'))}, "
                 f"R@10 {report.fmt(m['all']['retrieval_recall@10'])} ({res['seconds']} s)")
    return out


def run_tracker(names: list[str], *, limit: int | None = None, root: Path | None = None,
                base: Settings | None = None) -> dict[str, Any]:
    """The tracker against its hand-checked lists; ``limit`` does not apply (every figure is over a
    whole list). The sample pair and the proposals do not depend on the configuration; the later
    evidence does (it is found through the product's search)."""
    from . import tracker_suite

    tracker_suite.corpus_root()  # DataMissing (the suite is skipped, saying why) before any work
    cases = tracker_suite.load_cases()
    settings = _config_settings(names, base or Settings())
    t = time.perf_counter()
    static = tracker_suite.static_part(cases)
    out: dict[str, Any] = {"description": (
        "The recommendations and commitments tracker against lists checked by hand: the sample committee pair "
        "(corpus/sample; evals/cases/tracker.yaml) for recommendations found, replies matched and stances; "
        f"{len(static['documents'])} real policy documents (../shared/data/uk-health-policy; "
        "tests/corpus/real_commitments.yaml) for the commitments proposed from them; and the commitments of the 2022 "
        "data strategy \"Data saves lives\" for later real passages cited as evidence of progress, over an index of "
        "the later documents. A checked commitment is found when a proposal holds its opening words; a proposal is "
        "right when it holds those of some checked commitment."),
        "sample": static["sample"], "documents": static["documents"],
        "static_seconds": round(time.perf_counter() - t, 1), "configs": {}}
    for _, group in _index_groups(settings).items():
        t = time.perf_counter()
        index_dir = tracker_suite.build_index(settings[group[0]], cases, root=root, log=_log)
        out.setdefault("index_seconds", {})[str(index_dir.name)] = round(time.perf_counter() - t, 1)
        for cfg in group:
            res = tracker_suite.run(settings[cfg], index_dir=index_dir, cases=cases, static=static)
            res["settings"] = cfgs.describe(settings[cfg])
            out["configs"][cfg] = res
            m = res["metrics"]
            _log(f"tracker/{cfg}: recommendations P {report.fmt(m['recommendation_precision'])} "
                 f"R {report.fmt(m['recommendation_recall'])}, stance {report.fmt(m['stance_accuracy'])}, "
                 f"commitments recall (worst document) {report.fmt(m['commitment_recall_min'])}, "
                 f"with later evidence {m['commitments_with_evidence']} checked / "
                 f"{m['commitments_with_later_passages']} of {m['strategy_commitments']} ({res['seconds']} s)")
    return out


def run_scifact(names: list[str], *, limit: int | None = None, root: Path | None = None, subset: bool = False,
                base: Settings | None = None, split: str = "test") -> dict[str, Any]:
    from evidence_assistant import Assistant

    from . import scifact

    data = scifact.load()
    if subset:
        queries, doc_ids = scifact.subset(data)
        name = "scifact_subset"
    else:
        queries, doc_ids = data.split(split), None
        name = "scifact"
    if limit:
        queries = dict(list(queries.items())[:limit])
    settings = _config_settings(names, base or Settings())
    out: dict[str, Any] = {
        "description": (f"BEIR SciFact, {len(queries)} {split} queries"
                        + (f", CI subset corpus of {len(doc_ids)} abstracts" if doc_ids else ", full corpus of 5,183 abstracts")
                        + ". Documents rank where their best passage ranks in the product's own search."),
        "baselines": scifact.BASELINES if not subset else {},
        "notes": [f"recall@100 is measured with each side's candidate depth raised to {scifact.RECALL_DEPTH} passages "
                  "(the configured depth cannot hold 100 documents); nDCG@10 and MRR use the configuration as set.",
                  "Every tuned setting was chosen on the 809 train queries (evals/tune_scifact.py), never on test."],
        "configs": {}}
    for _, group in _index_groups(settings).items():
        index_dir = scifact.build_index(data, settings[group[0]], doc_ids=doc_ids, name=name, root=root, log=_log)
        for cfg in group:
            s = settings[cfg].model_copy(update={"index_dir": index_dir})
            with Assistant.open(settings=s) as a, _bar(len(queries), f"{name}/{cfg}") as bar:
                res = scifact.evaluate(a, queries, data.qrels[split], progress=bar.update)
            res["settings"] = cfgs.describe(s)
            out["configs"][cfg] = res
            _log(f"{name}/{cfg}: nDCG@10 {res['metrics']['ndcg@10']:.4f}, R@100 {res['metrics']['recall@100']:.4f}")
    return out


def run_covidqa(names: list[str], *, limit: int | None = None, root: Path | None = None,
                base: Settings | None = None, answer: bool = True,
                answer_questions: int | None = None) -> dict[str, Any]:
    from evidence_assistant import Assistant

    from . import covidqa

    articles, questions, fp = covidqa.load()
    if limit:
        questions = questions[:limit]
    settings = _config_settings(names, base or Settings())
    out: dict[str, Any] = {
        "description": (f"COVID-QA (early release): {len(articles)} articles, {len(questions)} questions. hit@k: a "
                        "passage among the top k of the product's search lies in the right article and contains the "
                        "whole reference answer span (by character offsets), over every question. F1: SQuAD token "
                        "F1 of the extractive answer (all its sentences) against the reference, on a fixed sample of "
                        f"{answer_questions or covidqa.ANSWER_QUESTIONS} questions chosen by hash (answering costs about a second a "
                        "question); answer recall: share of the reference's tokens the answer holds."),
        "notes": [], "configs": {}}
    for _, group in _index_groups(settings).items():
        index_dir = covidqa.build_index(articles, fp, settings[group[0]], root=root, log=_log)
        for cfg in group:
            s = settings[cfg].model_copy(update={"index_dir": index_dir})
            with Assistant.open(settings=s) as a:
                if not out["notes"]:
                    ceiling = covidqa.span_ceiling(a, articles, questions)
                    out["notes"].append(f"{ceiling:.3f} of answer spans lie whole inside one indexed passage: the "
                                        "ceiling for hit@k with this chunking.")
                with _bar(len(questions), f"covidqa/{cfg}") as bar:
                    res = covidqa.evaluate(a, articles, questions, answer=answer, progress=bar.update,
                                           answer_questions=answer_questions or covidqa.ANSWER_QUESTIONS)
            res["settings"] = cfgs.describe(s)
            out["configs"][cfg] = res
            _log(f"covidqa/{cfg}: hit@5 {res['metrics']['hit@5']:.4f}, F1 {report.fmt(res['metrics'].get('f1'))}")
    return out


RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {"sample": run_sample, "real": run_real, "tracker": run_tracker,
                                                      "scifact": run_scifact, "covidqa": run_covidqa}


def cli_eval(*, suite: str, configs: list[str] | None, out: Path, limit: int | None) -> int:
    """Run ``suite`` ("sample", "real", "tracker", "scifact", "covidqa" or "all") for ``configs`` (default: the
    suite's usual set) and write ``out``/<suite>.json, <suite>.png and report.md."""
    suites = list(SUITES) if suite == "all" else [suite]
    if suite not in (*SUITES, "all"):
        _log(f"unknown suite {suite!r}; choose from {', '.join(SUITES)} or all")
        return EXIT_ERROR
    try:
        for c in configs or []:
            cfgs.overrides(c)
    except ValueError as exc:
        _log(str(exc))
        return EXIT_ERROR
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    for name in suites:
        names = list(configs) if configs else cfgs.SUITE_CONFIGS[name]
        try:
            results[name] = RUNNERS[name](names, limit=limit)
        except DataMissing as exc:
            _log(f"{name}: skipped — {exc}")
            results[name] = {"skipped": str(exc)}
            continue
        report.write_json(results[name], out / f"{name}.json")
        png = report.chart(name, results[name], out / f"{name}.png")
        if png:
            _log(f"wrote {out / f'{name}.json'} and {png}")
    thresholds = gate.load_thresholds()
    md = report.markdown(results, thresholds, out_dir=out)
    (out / "report.md").write_text(md, encoding="utf-8")
    _log(f"wrote {out / 'report.md'} ({time.perf_counter() - t0:.0f} s)")
    print(md)
    return EXIT_OK
