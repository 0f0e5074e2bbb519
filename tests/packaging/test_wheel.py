"""The wheel is the product as users install it: built from a copy of the project, installed into
a fresh virtual environment, and run from a folder far from the checkout.

The fresh environment gets the product's dependencies (torch, Chroma, the packaged embedding
model...) by a path entry to the project environment's site-packages, so that nothing large is
reinstalled. Only a path is added: the ``.pth`` files there are not run, so the checkout's
editable-install finder never loads, and the test checks that every product module comes from the
wheel's copy.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("evidence_assistant", "evidence_ingest", "evidence_evals")
# Two sample documents and a question they answer (the date is in both).
DOCS = ("2022-06-29-a-plan-for-digital-health-and-social-care.md", "hc780-expert-panel-evaluation.html")
QUESTION = "When was A plan for digital health and social care published?"
# Not copied for the build: environments, caches, indexes, build output, downloaded documents.
_SKIP_TOP = {".venv", ".git", ".evidence", "build", "dist", "test-artifacts", ".pytest_cache", ".benchmarks",
             ".import_linter_cache"}
_SKIP_ANY = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.part", "official")


def _run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _copy_project(dest: Path) -> Path:
    """The project as committed to a checkout, so the build writes nothing into the real one
    (setuptools builds in place) and cannot pick up a stale build/ folder."""
    dest.mkdir()
    for entry in REPO.iterdir():
        if entry.name in _SKIP_TOP:
            continue
        if entry.is_dir():
            shutil.copytree(entry, dest / entry.name, ignore=_SKIP_ANY)
        else:
            shutil.copy2(entry, dest / entry.name)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wheel-build")
    src = _copy_project(root / "src")
    out = root / "dist"
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "-q", "-w", str(out), str(src)], cwd=root)
    assert proc.returncode == 0, f"building the wheel failed:\n{proc.stdout}\n{proc.stderr}"
    wheels = list(out.glob("evidence_assistant-*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {out}, found {sorted(p.name for p in out.iterdir())}"
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh environment holding the wheel; its dependencies come from the project environment."""
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    proc = _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], cwd=env_dir.parent)
    assert proc.returncode == 0, proc.stderr
    python = env_dir / "bin" / "python"
    # Installed before the dependency path exists, so pip sees an empty environment (it must not
    # meet the checkout's editable install and decide there is nothing to do).
    proc = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                 "--disable-pip-version-check", "-q", str(wheel)], cwd=env_dir.parent)
    assert proc.returncode == 0, f"installing the wheel failed:\n{proc.stdout}\n{proc.stderr}"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=env_dir.parent).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_project_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(deps)), encoding="utf-8")
    return env_dir


@pytest.fixture(scope="module")
def run_env(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A working folder outside the checkout and an environment with an index of its own."""
    work = tmp_path_factory.mktemp("user-folder")
    assert REPO not in work.parents
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EVIDENCE_") and k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               ANONYMIZED_TELEMETRY="False", OPENBLAS_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false",
               EVIDENCE_INDEX_DIR=str(work / "index"))
    return work, env


def test_wheel_carries_prompts_and_registry_and_nothing_else(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        packaged = {n: zf.read(n) for n in names if n.startswith("evidence_assistant/_data/")}
    prompts = sorted((REPO / "prompts").glob("*.md"))
    assert prompts, "the project has no prompts to package"
    expected = {f"evidence_assistant/_data/prompts/{p.name}": p.read_bytes() for p in prompts}
    expected["evidence_assistant/_data/corpus/commitments.yaml"] = (REPO / "corpus" / "commitments.yaml").read_bytes()
    # Exactly the prompts and the registry, byte for byte: no README, no pyproject, no corpus/build.py.
    assert packaged == expected
    tops = {n.split("/", 1)[0] for n in names}
    assert tops - {t for t in tops if t.endswith(".dist-info")} == set(PRODUCT_PACKAGES)
    assert not [n for n in names if "tests/" in n or n.split("/")[-1].startswith("test_")]
    assert "evidence_assistant/answering/prompts.py" in names


def test_installed_product_uses_its_own_files_not_the_checkout(venv, run_env):
    work, env = run_env
    probe = (
        "import json, sys\n"
        "import evidence_assistant, evidence_ingest, evidence_evals\n"
        "from evidence_assistant.core import data_files\n"
        "from evidence_assistant.answering.prompts import DEFAULT_DIR, REQUIRED, load_prompt\n"
        "from evidence_assistant.tracker.commitments import DEFAULT_REGISTRY\n"
        "from evidence_assistant.surfaces.cli_tracker import SAMPLE_DIR\n"
        "import evidence_ingest.fetch as fetch\n"
        "prompts = {n: load_prompt(n).sha256 for n in REQUIRED}\n"
        "mods = {m: getattr(sys.modules[m], '__file__', None) or '' for m in list(sys.modules)\n"
        "        if m.split('.')[0] in ('evidence_assistant', 'evidence_ingest', 'evidence_evals')}\n"
        "print(json.dumps({'modules': mods, 'prompt_dir': str(DEFAULT_DIR), 'registry': str(DEFAULT_REGISTRY),\n"
        "                  'sample': str(SAMPLE_DIR), 'checkout': str(data_files.CHECKOUT), 'prompts': prompts,\n"
        "                  'fetch_dest': str(fetch.DEFAULT_DEST), 'path': sys.path}))\n"
    )
    proc = _run([str(venv / "bin" / "python"), "-c", probe], cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    root = str(venv.resolve())
    assert got["modules"], "no product module was imported"
    strays = {m: f for m, f in got["modules"].items() if not f.startswith(root)}
    assert not strays, f"product modules loaded from outside the fresh environment: {strays}"
    assert not [p for p in got["path"] if p == str(REPO) or p.startswith(str(REPO) + "/") and "/.venv/" not in p]
    assert got["checkout"] == "None"
    assert got["prompt_dir"].startswith(root) and got["registry"].startswith(root)
    assert set(got["prompts"]) == {"system", "answer", "condense_question"}
    # A fetch from an installed copy saves into the working folder, never into the package.
    assert got["fetch_dest"] == "corpus/official"
    assert not got["sample"].startswith(str(REPO))


def test_ingest_and_ask_from_the_installed_wheel(venv, run_env):
    work, env = run_env
    docs = work / "papers"
    docs.mkdir()
    for name in DOCS:
        shutil.copy2(REPO / "corpus" / "sample" / name, docs / name)
    evidence = str(venv / "bin" / "evidence")

    ingest = _run([evidence, "ingest", str(docs)], cwd=work, env=env)
    assert ingest.returncode == 0, f"evidence ingest failed:\n{ingest.stdout}\n{ingest.stderr}"
    assert "Indexed 2 document(s)" in ingest.stdout and "0 skipped" in ingest.stdout
    assert (work / "index").is_dir()

    ask = _run([evidence, "ask", QUESTION], cwd=work, env=env)
    assert ask.returncode == 0, f"evidence ask failed:\n{ask.stdout}\n{ask.stderr}"
    body, _, notes = ask.stdout.partition("\n[^1]:")
    assert "29 June 2022" in body and "[^1]" in body, ask.stdout
    footnotes = ("[^1]:" + notes).splitlines()
    assert any(line.startswith("[^") and "A plan for digital health and social care" in line and "29 June 2022" in line
               for line in footnotes), ask.stdout


def test_registry_commands_from_the_installed_wheel(venv, run_env):
    work, env = run_env
    import yaml

    ids = [c["id"] for c in yaml.safe_load((REPO / "corpus" / "commitments.yaml").read_text(encoding="utf-8"))["commitments"]]
    proc = _run([str(venv / "bin" / "evidence"), "commitments", "--json"], cwd=work, env=env)
    assert proc.returncode == 0, f"evidence commitments failed:\n{proc.stdout}\n{proc.stderr}"
    assert [c["id"] for c in json.loads(proc.stdout)["commitments"]] == ids

    # The sample corpus stays in the checkout: without paths, the command asks for documents.
    proc = _run([str(venv / "bin" / "evidence"), "recommendations"], cwd=work, env=env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "no such file or folder; give a report, a response or a folder" in proc.stderr
