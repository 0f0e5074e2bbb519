"""One settings object for every entry point, its values grouped by concern.

Values come from keyword arguments, then ``EVIDENCE_*`` environment variables, then the
defaults below. Nothing reaches the network unless a setting here says so (``chroma_host``,
``llm_base_url``).

The settings are defined once, in four groups, each field with its default, limits and (for a
value chosen by measurement) where it was chosen:

- ``settings.index``      where the index lives, the embedding model, chunking, file limits, BM25
- ``settings.retrieval``  candidate depths, the retrieval mode, fusion, diversity
- ``settings.answering``  the answerer, its thresholds, the optional language model
- ``settings.chat``       the chat app: address, login, queue, uploads
- ``settings.log_level``  the one setting outside the groups

Each setting can be given flat or by its group, as a keyword or an environment variable; the flat
names are the ones the README documents::

    Settings(top_k=3)                       EVIDENCE_TOP_K=3
    Settings(retrieval={"top_k": 3})        EVIDENCE_RETRIEVAL__TOP_K=3

A keyword beats an environment variable; given both ways at once, the flat keyword beats the
grouped one, and the grouped environment variable beats the flat one. Flat reads
(``settings.top_k``), flat ``model_copy(update=...)`` and the flat ``to_dict()`` of reports keep
working; ``to_nested_dict()`` gives the groups.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

ENV_PREFIX = "EVIDENCE_"
NESTED_DELIMITER = "__"
SECRETS = ("llm_api_key", "password")


def _default_index_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "evidence-assistant" / "index"


def _expand_user(v: Any) -> Any:
    if isinstance(v, str) and v:
        return Path(v).expanduser()
    if isinstance(v, Path):
        return v.expanduser()
    return v


def _is_path(annotation: Any) -> bool:
    """Whether a field holds a path (``Path`` or ``Path | None``)."""
    return annotation is Path or Path in get_args(annotation)


def _log_level(v: Any) -> Any:
    """A logging level name in capitals; empty means WARNING (as the command line has always read it)."""
    if not isinstance(v, str):
        return v
    level = v.strip().upper() or "WARNING"
    if not isinstance(logging.getLevelName(level), int):
        raise ValueError(f"{level!r} is not a logging level; use DEBUG, INFO, WARNING or ERROR")
    return level


class _Group(BaseModel):
    """A group of settings, read as ``settings.<group>``: a frozen snapshot, so that a change is
    made on the settings (``model_copy``), never on a group by mistake."""
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @field_validator("*", mode="before")
    @classmethod
    def _expand_paths(cls, v: Any, info: ValidationInfo) -> Any:
        """"~" in any folder or file setting means the user's home, in the groups and in the flat
        settings alike. One validator for every path field: a validator of the same name in each
        group would leave the flat settings, which inherit all the groups, with only one of them."""
        field = cls.model_fields.get(info.field_name or "")
        return _expand_user(v) if field is not None and _is_path(field.annotation) else v


class IndexSettings(_Group):
    """Where the index lives and how documents become passages: the store, the embedding model,
    chunking, file limits, OCR and BM25."""

    # --- Store -------------------------------------------------------------------------------
    index_dir: Path = Field(default_factory=_default_index_dir, description="Folder holding the Chroma store, lexical index and manifest.")
    collection: str = Field("passages", min_length=3, description="Chroma collection name (3+ characters).")
    chroma_host: str | None = Field(None, description="Host of a Chroma server; unset means the embedded store in index_dir.")
    chroma_port: int = Field(8000, description="Port of the Chroma server.")
    hnsw_ef_search: int = Field(128, ge=10, description="HNSW search breadth; higher finds the exact neighbours more often.")
    hnsw_ef_construction: int = Field(200, ge=10, description="HNSW build breadth.")
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree.")

    # --- Embedding model ---------------------------------------------------------------------
    model_path: Path | None = Field(None, description="Folder of a sentence-transformers model; unset means the packaged all-MiniLM-L6-v2.")
    precision: Literal["fp32", "bf16", "auto"] = Field("fp32", description="fp32 reference, or bf16 autocast where the CPU supports it ('auto' picks bf16 when supported).")
    answer_precision: Literal["fp32", "bf16", "auto"] = Field("auto", description="Precision of the sentences and questions the answerer embeds to compare with each other (never with the index): 'auto' picks bf16 autocast where the CPU supports it, 2.5 times as fast as fp32 on 2 cores with cosines within 0.0001 of fp32's; the index and each query's search stay at 'precision'.")
    batch_size: int = Field(32, ge=1, description="Passages per embedding batch.")
    query_cache_size: int = Field(1024, ge=0, description="Query embeddings kept in memory.")
    torch_threads: int | None = Field(None, description="Threads for torch; unset means the number of cores.")

    # --- Ingest ------------------------------------------------------------------------------
    chunk_tokens: int = Field(192, ge=32, le=254, description="Passage size in the model's own tokens (the model reads at most 256 with its two special tokens).")
    chunk_overlap: int = Field(32, ge=0, description="Tokens repeated between consecutive windows of a paragraph too long for one passage.")
    max_file_mb: float = Field(100.0, gt=0, description="Files larger than this are skipped with a message.")
    lexical_context: bool = Field(False, description="BM25 also reads each passage's document title and nearest headings (the model always does). Helps where titles are specific (SciFact), hurts where they repeat the questions' words (committee papers); changing it re-tokenises the index once.")
    bm25_k1: float = Field(0.9, ge=0, description="BM25 term-frequency saturation (chosen on SciFact train queries, evals/tune_scifact.py stage 3); a change rebuilds the lexical index at the next ingest.")
    bm25_b: float = Field(0.4, ge=0, le=1, description="BM25 length normalisation (chosen on SciFact train queries, evals/tune_scifact.py stage 3); a change rebuilds the lexical index at the next ingest.")
    max_pdf_pages: int = Field(2000, ge=1, description="PDFs with more pages are skipped.")
    file_timeout_s: float = Field(120.0, gt=0, description="Per-file limit on parsing time.")
    ocr: Literal["auto", "on", "off"] = Field("auto", description="OCR for PDF pages with no text layer (scanned letters), by Tesseract: 'auto' reads them when the tesseract-ocr and poppler-utils packages are installed and otherwise skips them with a warning; 'on' refuses a PDF with such pages when Tesseract is missing; 'off' skips them. Pages with a text layer are never OCR'd; OCR'd passages show 'Scanned page: text read by OCR' as their section.")
    ocr_page_timeout_s: float = Field(60.0, gt=0, description="Time limit for OCR of one page; a page over it is skipped with the reason in the file's warnings. OCR of one file also stops at 60% of file_timeout_s.")
    sources_toml: Path | None = Field(None, description="Metadata for files by name (corpus/sources.toml); found beside the files when unset.")


class RetrievalSettings(_Group):
    """Which passages reach the answerer: candidate depths, the retrieval mode, fusion, diversity."""

    dense_k: int = Field(300, ge=1, description="Candidates taken from the dense index (chosen on SciFact train queries, evals/tune_scifact.py).")
    lexical_k: int = Field(300, ge=1, description="Candidates taken from the lexical index (chosen on SciFact train queries, evals/tune_scifact.py).")
    top_k: int = Field(8, ge=1, description="Passages handed to the answerer.")
    retrieval: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="Which indexes answer a query.")
    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How dense and lexical results are fused: weighted scores, each list scaled by its best (chosen on SciFact train queries, evals/tune_scifact.py --weighted), or reciprocal rank fusion.")
    rrf_k: int = Field(20, ge=1, description="Reciprocal rank fusion constant, with fusion=rrf (chosen on SciFact train queries, evals/tune_scifact.py).")
    dense_weight: float = Field(0.6, ge=0, description="Weight of the dense list in fusion (chosen on SciFact train queries, evals/tune_scifact.py --weighted).")
    lexical_weight: float = Field(0.4, ge=0, description="Weight of the lexical list in fusion (chosen on SciFact train queries, evals/tune_scifact.py --weighted).")
    max_per_document: int = Field(6, ge=1, description="At most this many of the top passages from one document (diversity), except the one document a question names as the one to read. 6, chosen on the real suite's dev split: at 4 a long report holding the answer lost the passage with it to other documents' weaker ones; 5 and 6 alike on correctness, 6 best on key facts and nDCG; 3 declined answerable questions; the sample suite is the same at 4 and 6.")
    split_questions: bool = Field(True, description="A question asking two things ('How many …, and which …?') is also searched for and answered part by part (answering/parts.py; chosen on the real suite's dev split).")
    part_passages: int = Field(3, ge=0, description="Passages the answerer reads beyond top_k for each further part of a question asking two things (with split_questions; a caller asking for k passages gets k). 3, chosen on the real suite's dev split: 0 / 2 / 3 / 4 / 6 gave 0.779 / 0.784 / 0.789 / 0.789 / 0.786 answers right, key facts 0.829 / 0.832 / 0.835 / 0.834 / 0.832; the second part's passage often ranks 3rd to 14th in its own search, below the whole question's and the first part's best.")


class AnsweringSettings(_Group):
    """How an answer is written and checked, and the optional language model that writes it."""

    answerer: Literal["extractive", "generative"] = Field("extractive", description="Extractive needs no model; generative needs llm_base_url and llm_model.")
    max_answer_sentences: int = Field(5, ge=1, description="Sentences in an extractive answer at most.")
    sentence_scorer: Literal["features", "learned"] = Field("learned", description="How the extractive answerer ranks candidate sentences: 'learned' (the default: the question judged answerable on the hand-weighted score, then its sentences re-ordered by a small ranking model trained on the real suite's dev questions; see docs/sentence-scorer.md) or 'features' (the hand-weighted score alone: cosine, shared words, passage rank, answer type).")
    min_relevance: float = Field(0.5, description="Below this relevance (mean of the best sentence's score and the share of the question's distinctive words the top passages hold) the answer says the documents do not answer.")
    min_proposition: float = Field(0.35, ge=0, le=1, description="A 'why …' question whose assumption no single retrieved sentence states to at least this share of its distinctive words is treated as a false premise (0 turns the check off).")
    min_support: float = Field(0.5, description="Below this support score a sentence counts as unsupported.")
    unsupported: Literal["mark", "remove"] = Field("mark", description="Mark unsupported sentences, or remove them from the answer.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused.")

    # --- Generative answerer (optional) ------------------------------------------------------
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, hosted API).")
    llm_model: str | None = Field(None, description="Model name at that endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the endpoint; never logged or exported.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Seconds before the endpoint counts as down.")
    llm_temperature: float = Field(0.0, ge=0, description="Sampling temperature.")
    prompts_dir: Path | None = Field(None, description="Folder of prompt files; unset means the project's prompts/.")


class ChatSettings(_Group):
    """The chat app: where it listens, who may log in, how many questions it takes at once, uploads."""

    host: str = Field("127.0.0.1", description="Address the chat listens on.")
    port: int = Field(7860, description="Port the chat listens on.")
    username: str | None = Field(None, description="Login name; required with password when the host is not loopback.")
    password: SecretStr | None = Field(None, description="Login password.")
    allowed_hosts: Annotated[list[str] | None, NoDecode] = Field(None, description="Extra names the chat answers to, comma-separated (e.g. evidence.example.org,10.0.0.5:7860); a request whose Host header is not one of them, a loopback name (localhost, 127.0.0.1, [::1]) or the host it listens on is refused (HTTP 400), which stops other web sites reaching the chat through DNS rebinding. A chat listening on every address (0.0.0.0, ::) answers to any name unless this is set; '*' allows any name.")
    login_max_failures: int = Field(5, ge=1, description="Wrong passwords allowed from one client address before it must wait (HTTP 429); behind a reverse proxy every client shares the proxy's address.")
    login_backoff_s: float = Field(1.0, gt=0, description="The first wait after login_max_failures wrong passwords; it doubles with each further wrong password (up to 15 minutes) and a correct login clears it.")
    max_concurrency: int = Field(2, ge=1, description="Questions answered at once.")
    max_queue: int = Field(64, ge=1, description="Questions waiting; past this a client is told the server is busy.")
    max_upload_mb: float = Field(50.0, gt=0, description="Largest upload accepted in the chat.")
    upload_dir: Path | None = Field(None, description="Where uploads are kept; unset means index_dir/uploads.")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [h for h in re.split(r"[,\s]+", v) if h] or None
        return v


GROUPS: dict[str, type[_Group]] = {"index": IndexSettings, "retrieval": RetrievalSettings,
                                   "answering": AnsweringSettings, "chat": ChatSettings}

# Each flat setting name -> its group (log_level belongs to none).
GROUP_OF: dict[str, str] = {name: group for group, cls in GROUPS.items() for name in cls.model_fields}


def _log_level_field() -> Any:
    return Field("WARNING", description="Logging level. Document text is logged only at DEBUG.")


class LogSettings(BaseSettings):
    """The log level alone, from ``EVIDENCE_LOG_LEVEL``: read before anything else is set up (the
    command line configures logging first), without judging every other setting at that point."""
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    log_level: str = _log_level_field()

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, v: Any) -> Any:
        return _log_level(v)


# --- Flat and grouped input --------------------------------------------------------------------

def _flatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments with every grouped value (``retrieval={"top_k": 3}``, or a group object)
    replaced by its flat names. ``retrieval`` is both a group and a setting (the mode): a text
    value is the mode, a mapping or group object the group. Flat keywords beat grouped ones."""
    flat: dict[str, Any] = {}
    given: dict[str, Any] = {}
    for key, value in values.items():
        if key in GROUPS and not (key == "retrieval" and isinstance(value, str)):
            cls = GROUPS[key]
            if isinstance(value, BaseModel):
                value = {n: getattr(value, n) for n in cls.model_fields}
            elif not isinstance(value, Mapping):
                raise ValueError(f"settings group {key!r} must be a mapping of its settings (e.g. "
                                 f"{key}={{{next(iter(cls.model_fields))!r}: ...}}), got {value!r}")
            for name, v in value.items():
                if name not in cls.model_fields:
                    where = f"; it belongs to the {GROUP_OF[name]!r} group" if name in GROUP_OF else ""
                    raise ValueError(f"{name!r} is not a setting of the {key!r} group{where}; its settings are "
                                     f"{', '.join(cls.model_fields)}")
                flat[name] = v
        else:
            given[key] = str(value) if key == "retrieval" and isinstance(value, str) else value
    flat.update(given)
    return flat


def _grouped_env(environ: Mapping[str, str | None], prefix: str, case_sensitive: bool) -> dict[str, tuple[str, Any]]:
    """Values set as ``EVIDENCE_<GROUP>__<SETTING>``: flat name -> (variable, value). A variable
    that names a group but none of its settings is an error (it would otherwise do nothing)."""
    if not case_sensitive:
        prefix = prefix.lower()
    out: dict[str, tuple[str, Any]] = {}
    for var, value in environ.items():
        key = var if case_sensitive else var.lower()
        if not key.startswith(prefix) or NESTED_DELIMITER not in key:
            continue
        group, _, name = key[len(prefix):].partition(NESTED_DELIMITER)
        if group not in GROUPS:
            continue
        if name not in GROUPS[group].model_fields:
            raise SettingsError(f"environment variable {var.upper()} names no setting of the {group!r} group; "
                                f"its settings are {', '.join(GROUPS[group].model_fields)}")
        out[name] = (var.upper(), value)
    return out


class _GroupedEnvSource(PydanticBaseSettingsSource):
    """``EVIDENCE_<GROUP>__<SETTING>`` environment variables, as flat values."""

    def __init__(self, settings_cls: type[BaseSettings], env: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._environ: Mapping[str, str | None] = getattr(env, "env_vars", os.environ)
        self._prefix = str(getattr(env, "env_prefix", ENV_PREFIX))
        self._case_sensitive = bool(getattr(env, "case_sensitive", False))

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {name: value for name, (_, value) in
                _grouped_env(self._environ, self._prefix, self._case_sensitive).items()}


def _name_variables(exc: ValidationError, variables: Mapping[str, str]) -> ValidationError:
    """The same errors, each about a value set by a grouped environment variable also naming that
    variable (the flat name the error carries is not the one the user typed)."""
    errors: list[Any] = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        if field in variables:
            template = f"{err['msg']} (set by {{variable}})"
            ctx = {**err.get("ctx", {}), "variable": variables[field]}
            errors.append({"type": PydanticCustomError(err["type"], template, ctx), "loc": err["loc"],
                           "input": err.get("input")})
        else:
            errors.append({"type": err["type"], "loc": err["loc"], "input": err.get("input"),
                           **({"ctx": err["ctx"]} if "ctx" in err else {})})
    return ValidationError.from_exception_data(exc.title, errors)


# --- The settings ----------------------------------------------------------------------------

class Settings(ChatSettings, AnsweringSettings, RetrievalSettings, IndexSettings, BaseSettings):  # type: ignore[misc]
    """Every setting, flat (``settings.top_k``) and by group (``settings.retrieval.top_k``).

    The fields come from the four groups (listed last-first so that their order is index,
    retrieval, answering, chat), then ``log_level``.
    """
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True, frozen=False)

    log_level: str = _log_level_field()

    def __init__(self, **values: Any) -> None:
        try:
            flat = _flatten(values)
        except ValueError as exc:
            raise ValidationError.from_exception_data(type(self).__name__, [
                {"type": PydanticCustomError("settings_group", str(exc)), "loc": (), "input": values}]) from None
        try:
            super().__init__(**flat)
        except ValidationError as exc:
            case_sensitive = bool(self.model_config.get("case_sensitive", False))
            grouped = {name: var for name, (var, _) in _grouped_env(os.environ, ENV_PREFIX, case_sensitive).items()
                       if name not in flat}
            if not grouped or not any(e.get("loc") and e["loc"][0] in grouped for e in exc.errors()):
                raise
            raise _name_variables(exc, grouped) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _GroupedEnvSource(settings_cls, env_settings), env_settings, dotenv_settings,
                file_secret_settings)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, v: Any) -> Any:
        return _log_level(v)

    # --- Groups ------------------------------------------------------------------------------
    def group(self, name: str) -> _Group:
        """The settings of group ``name`` (index, retrieval, answering, chat), as they are now."""
        cls = GROUPS[name]
        return cls.model_construct(**{n: self.__dict__[n] for n in cls.model_fields})

    @property
    def index(self) -> IndexSettings:
        return self.group("index")  # type: ignore[return-value]

    @property
    def answering(self) -> AnsweringSettings:
        return self.group("answering")  # type: ignore[return-value]

    @property
    def chat(self) -> ChatSettings:
        return self.group("chat")  # type: ignore[return-value]

    # ``settings.retrieval`` is attached below the class (a property cannot be declared in the
    # class body over the field of the same name).

    # --- Copies and plain data ------------------------------------------------------------------
    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Settings:
        """A new Settings with ``update`` applied (flat or grouped names) and validated as
        ``Settings(...)`` validates: a bad value raises ValidationError naming the setting."""
        if not update:
            return super().model_copy(deep=deep)
        changes = _flatten(update)
        current = super().model_copy(deep=deep).__dict__ if deep else dict(self.__dict__)
        new = type(self).model_validate({**current, **changes})
        new.__pydantic_fields_set__ = set(self.model_fields_set) | (set(changes) & set(type(self).model_fields))
        return new

    def to_dict(self) -> dict[str, Any]:
        """Settings as plain data under their flat names (as reports have always shown them), with
        secrets left out."""
        d = self.model_dump(mode="json")
        for secret in SECRETS:
            d[secret] = "**********" if d.get(secret) else None
        return d

    def to_nested_dict(self) -> dict[str, Any]:
        """Settings as plain data by group, with secrets left out."""
        flat = self.to_dict()
        out: dict[str, Any] = {group: {n: flat[n] for n in cls.model_fields} for group, cls in GROUPS.items()}
        out["log_level"] = flat["log_level"]
        return out


class RetrievalMode(str):
    """What ``settings.retrieval`` gives while callers move to the groups: the retrieval mode
    ('hybrid', 'dense' or 'lexical') as plain text, as it has always been, which also reads as the
    retrieval group (``settings.retrieval.top_k``, ``settings.retrieval.retrieval``). Once every
    caller reads ``settings.retrieval.retrieval`` for the mode, ``settings.retrieval`` becomes the
    group itself."""

    _settings: Settings

    def __new__(cls, mode: str, settings: Settings) -> RetrievalMode:
        obj = super().__new__(cls, mode)
        obj._settings = settings
        return obj

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_settings":
            raise AttributeError(name)
        return getattr(self._settings.group("retrieval"), name)

    def __reduce__(self) -> Any:  # copies and pickles are the plain mode
        return (str, (str(self),))


def _retrieval(self: Settings) -> RetrievalMode:
    return RetrievalMode(self.__dict__["retrieval"], self)


def _set_retrieval(self: Settings, mode: str) -> None:  # ``settings.retrieval = "dense"`` as before
    self.__dict__["retrieval"] = str(mode)
    self.__pydantic_fields_set__.add("retrieval")


Settings.retrieval = property(_retrieval, _set_retrieval, doc=RetrievalMode.__doc__)  # type: ignore[assignment,method-assign]
Settings.__hash__ = None  # type: ignore[assignment]  # mutable, as it has always been: not a dict key


def get_settings(settings: Settings | None = None, **overrides: Any) -> Settings:
    if settings is None:
        return Settings(**overrides)
    if overrides:
        return settings.model_copy(update=overrides)
    return settings
