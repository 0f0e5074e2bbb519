"""The incremental BM25 index (ingest/bm25.py) against bm25s, the library the lexical index uses
today, at 100k real passages.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m benchmarks.bm25_incremental [--passages 100000]

Passages: the SciFact abstracts (title + abstract) and the COVID-QA article texts from
``../shared/data``, cut into pieces of ~150 words and tokenised as the lexical index tokenises
(``evidence_assistant.core.text.tokenize``). They hold ~20k unique pieces, so the 100k index repeats them
(as the other 100k benchmarks do) -- the results say how many are unique. 200 pieces are held back
for the "one more ingest" measurement. Questions: the SciFact test claims.

Measured, single-threaded: building from scratch; adding 200 passages (here incrementally, with
bm25s a full rebuild -- what an ingest costs today), then 30 more such ingests each removing a
few passages too, to show the occasional merge; the query time at k=200 (p50/p95 over 200
claims) on the fresh and on the updated index; save, load and disk size. Wall-clock figures
on a shared machine are noisy, so CPU time is reported beside them.

Writes ``benchmarks/results/bm25_incremental.json``.
"""
from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EVIDENCE_SHARED_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "benchmarks" / "results" / "bm25_incremental.json"
K1, B = 0.9, 0.4
PIECE_WORDS = 150
HELD_BACK = 200


class Timer:
    def __enter__(self):
        self.w0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w0
        self.cpu = time.process_time() - self.c0

    def as_dict(self) -> dict:
        return {"wall_s": round(self.wall, 4), "cpu_s": round(self.cpu, 4)}


def _pieces(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[i:i + PIECE_WORDS]) for i in range(0, len(words), PIECE_WORDS)]


def load_passages() -> tuple[list[str], list[str]]:
    """Text pieces of SciFact and COVID-QA, interleaved by source."""
    scifact, covid = [], []
    with open(SHARED / "beir-scifact" / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            scifact += _pieces(f"{d['title']} {d['text']}")
    data = json.loads((SHARED / "covid-qa" / "200423_covidQA.json").read_text(encoding="utf-8"))
    seen = set()
    for art in data["data"]:
        for para in art["paragraphs"]:
            if para["context"] in seen:
                continue
            seen.add(para["context"])
            covid += _pieces(para["context"])
    return scifact, covid


def load_claims(n: int) -> list[str]:
    folder = SHARED / "beir-scifact"
    test_ids = {line.split("\t")[0] for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]}
    out = []
    with open(folder / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["_id"] in test_ids:
                out.append(d["text"])
    return out[:n]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def pct(xs, q) -> float:
    return round(float(np.percentile(np.asarray(xs) * 1000, q)), 3)


def time_queries(fn, queries) -> dict:
    for q in queries[:5]:  # warm caches (and page in memory-mapped files)
        fn(q)
    walls, cpus = [], []
    for q in queries:
        w0, c0 = time.perf_counter(), time.process_time()
        fn(q)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {"p50_ms": pct(walls, 50), "p95_ms": pct(walls, 95), "mean_ms": round(float(np.mean(walls)) * 1000, 3),
            "cpu_p50_ms": pct(cpus, 50), "cpu_p95_ms": pct(cpus, 95)}


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import bm25s
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "numpy": np.__version__,
            "bm25s": getattr(bm25s, "__version__", "?"), "loadavg_1m_start": round(os.getloadavg()[0], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=200)
    ap.add_argument("--ingests", type=int, default=30, help="further ingests of 200 after the first")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not (SHARED / "beir-scifact" / "corpus.jsonl").is_file():
        print(f"shared data not found at {SHARED}", file=sys.stderr)
        return 2

    import bm25s
    from evidence_assistant.core.text import tokenize
    # The BM25 implementation itself is what this benchmark measures (against bm25s).
    from evidence_ingest.bm25 import Bm25
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    result: dict = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                    "settings": {"k1": K1, "b": B, "method": "lucene", "piece_words": PIECE_WORDS,
                                 "k": args.k, "threads": 1}}

    # --- passages ------------------------------------------------------------------------
    with Timer() as t:
        scifact, covid = load_passages()
        # held back: the last 200 COVID-QA pieces, unseen by the index they are added to
        held_text, covid = covid[-HELD_BACK:], covid[:-HELD_BACK]
        texts = []
        for i in range(max(len(scifact), len(covid))):
            texts += scifact[i:i + 1] + covid[i:i + 1]
        unique = [tokenize(x) for x in texts]
        held = [tokenize(x) for x in held_text]
        rows = [unique[i % len(unique)] for i in range(args.passages)]  # copies past the unique ones
        claims = [tokenize(c) for c in load_claims(args.queries)]
    n_tokens = sum(len(r) for r in rows)
    result["data"] = {"passages": len(rows), "unique_passages": min(len(unique), len(rows)),
                      "scifact_pieces": len(scifact), "covidqa_pieces": len(covid),
                      "tokens": n_tokens, "mean_tokens_per_passage": round(n_tokens / len(rows), 1),
                      "queries": len(claims), "prepare_s": round(t.wall, 1)}
    print(json.dumps(result["data"]), flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bm25-bench-"))
    try:
        # --- build from scratch ----------------------------------------------------------
        gc.collect()
        with Timer() as t_ref:
            ref = bm25s.BM25(k1=K1, b=B, method="lucene")
            ref.index(rows, show_progress=False)
        gc.collect()
        with Timer() as t_mine:
            mine = Bm25(K1, B)
            mine.add(rows)
        result["build"] = {"bm25s": t_ref.as_dict(), "incremental": t_mine.as_dict(),
                           "postings": int(sum(mine.segment_sizes())), "terms": mine.n_terms}
        print("build", result["build"], flush=True)

        # --- query time on the fresh index ---------------------------------------------
        def ref_query(index, q):
            # as LexicalIndex.search calls it
            return index.retrieve([q], k=args.k, show_progress=False, n_threads=1)

        result["query_fresh"] = {
            "bm25s": time_queries(lambda q: ref_query(ref, q), claims),
            "incremental": time_queries(lambda q: mine.search(q, args.k), claims),
        }
        # Agreement. The 100k set repeats passages, so equal scores -- ties at the k-th place,
        # broken differently -- are common: compare scores in order, each returned row's score
        # with bm25s's score for that row, and the rows scoring clearly above the k-th.
        worst, same_len, same_clear = 0.0, 0, 0
        for q in claims:
            res = ref_query(ref, q)
            rs = np.asarray(res.scores[0], dtype=np.float64)
            rd = np.asarray(res.documents[0])
            keep = rs > 0
            rs, rd = rs[keep], rd[keep]
            mr, ms = mine.search(q, args.k)
            if len(ms) != len(rs):
                continue
            same_len += 1
            if not len(ms):
                same_clear += 1
                continue
            every = np.asarray(ref.get_scores(q), dtype=np.float64)[mr]
            worst = max(worst, float(np.max(np.abs(ms - rs) / rs)), float(np.max(np.abs(ms - every) / every)))
            cut = rs[-1] * (1 + 2e-5)
            same_clear += set(mr[ms > cut].tolist()) == set(rd[rs > cut].tolist())
        result["query_fresh"]["agreement"] = {
            "max_rel_score_diff": worst, "same_result_count": same_len, "same_rows_above_kth_score": same_clear,
            "of": len(claims)}
        print("query", result["query_fresh"], flush=True)

        # --- save, load, disk ----------------------------------------------------------
        with Timer() as t_rs:
            ref.save(str(tmp / "bm25s-g1"), show_progress=False)
        with Timer() as t_ms:
            mine.save(tmp / "mine-g1")
        loads = {}
        for name, fn in (
            ("bm25s", lambda: bm25s.BM25.load(str(tmp / "bm25s-g1"), show_progress=False)),
            ("bm25s_mmap", lambda: bm25s.BM25.load(str(tmp / "bm25s-g1"), mmap=True, show_progress=False)),
            ("incremental_mmap", lambda: Bm25.load(tmp / "mine-g1")),
            ("incremental", lambda: Bm25.load(tmp / "mine-g1", mmap=False)),
        ):
            times = []
            for _ in range(3):
                gc.collect()
                with Timer() as t:
                    obj = fn()
                times.append(t.wall)
            q = claims[0]
            with Timer() as tq:
                if name.startswith("bm25s"):
                    ref_query(obj, q)
                else:
                    obj.search(q, args.k)
            loads[name] = {"load_s_median_of_3": round(sorted(times)[1], 4), "first_query_s": round(tq.wall, 4)}
            del obj
        result["save_load"] = {
            "save": {"bm25s": t_rs.as_dict(), "incremental": t_ms.as_dict()},
            "load": loads,
            "disk_bytes": {"bm25s": dir_size(tmp / "bm25s-g1"), "incremental": dir_size(tmp / "mine-g1")},
            "note": "bm25s as LexicalIndex loads it today (no mmap) and memory-mapped; the lexical "
                    "folder also holds ids.json and row_docs.npy, the same for both",
        }
        print("save/load", result["save_load"], flush=True)

        # --- one more ingest of 200 passages -------------------------------------------
        gc.collect()
        with Timer() as t_ref_add:
            ref2 = bm25s.BM25(k1=K1, b=B, method="lucene")
            ref2.index(rows + held, show_progress=False)
        with Timer() as t_ref_save2:
            ref2.save(str(tmp / "bm25s-g2"), show_progress=False)
        del ref2
        gc.collect()
        loaded = Bm25.load(tmp / "mine-g1")  # as a running assistant would hold it
        with Timer() as t_add:
            new = loaded.add(held)
        with Timer() as t_save2:
            loaded.save(tmp / "mine-g2")  # a new generation's folder beside the old one
        written = sum(p.stat().st_size for p in (tmp / "mine-g2").iterdir() if p.stat().st_nlink == 1)
        result["add_200"] = {
            "bm25s_full_rebuild": t_ref_add.as_dict(), "bm25s_save": t_ref_save2.as_dict(),
            "incremental_add": t_add.as_dict(), "incremental_save_new_generation": t_save2.as_dict(),
            "incremental_bytes_written": written,
            "incremental_bytes_hard_linked": dir_size(tmp / "mine-g2") - written,
            "speedup_add_vs_rebuild": round(t_ref_add.wall / max(t_add.wall, 1e-9), 1),
            "segments_after": loaded.segment_sizes(), "new_rows": [new.start, new.stop],
        }
        print("add 200", result["add_200"], flush=True)

        # --- a run of further ingests: 200 added, 20 removed, each ------------------------
        rng = np.random.default_rng(5)
        add_w, add_c, rm_w, save_w, segs = [], [], [], [], []
        prev = tmp / "mine-g2"
        for i in range(args.ingests):
            batch = [unique[int(j)] for j in rng.integers(0, len(unique), size=HELD_BACK)]
            w0, c0 = time.perf_counter(), time.process_time()
            loaded.add(batch)
            add_w.append(time.perf_counter() - w0)
            add_c.append(time.process_time() - c0)
            w0 = time.perf_counter()
            loaded.remove(rng.choice(np.flatnonzero(loaded.live), size=20, replace=False).tolist())
            rm_w.append(time.perf_counter() - w0)
            nxt = tmp / f"mine-g{i + 3}"
            w0 = time.perf_counter()
            loaded.save(nxt)
            save_w.append(time.perf_counter() - w0)
            shutil.rmtree(prev)  # the old generation goes once the new one is in place
            prev = nxt
            segs.append(len(loaded.segment_sizes()))
        result["further_ingests"] = {
            "count": args.ingests, "each": "add 200 passages, remove 20, save a new generation",
            "add_ms": {"p50": pct(add_w, 50), "max": pct(add_w, 100), "mean": round(float(np.mean(add_w)) * 1000, 3),
                       "cpu_p50": pct(add_c, 50)},
            "remove_ms_p50": pct(rm_w, 50),
            "save_ms": {"p50": pct(save_w, 50), "max": pct(save_w, 100)},
            "segments": {"max": max(segs), "final": loaded.segment_sizes()},
            "rows": loaded.n_rows, "live": loaded.n_live,
        }
        print("further", result["further_ingests"], flush=True)

        # --- queries on the updated index (several segments, tombstones) -------------------
        live = np.flatnonzero(loaded.live)
        result["query_updated"] = {"incremental": time_queries(lambda q: loaded.search(q, args.k), claims),
                                   "segments": loaded.segment_sizes(), "dead_rows": loaded.n_dead}
        # a document filter: a tenth of the rows allowed
        mask = np.zeros(loaded.n_rows, bool)
        mask[live[::10]] = True
        result["query_updated"]["incremental_with_mask"] = time_queries(
            lambda q: loaded.search(q, args.k, mask=mask), claims)
        # The rare linear steps: merging every segment into one (what happens when the small
        # segments outgrow a quarter of the main one -- at this size every ~90 ingests of 200),
        # and compaction (renumbering rows without the dead ones).
        with Timer() as t_m:
            loaded.merge_all()
        with Timer() as t_c:
            loaded.compact()
        result["merge_all"] = t_m.as_dict() | {"postings_after": sum(loaded.segment_sizes())}
        result["compact"] = t_c.as_dict() | {"rows_after": loaded.n_rows}
        print("merge/compact", result["merge_all"], result["compact"], flush=True)
        print("query updated", result["query_updated"], flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    result["machine"]["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
