"""One settings object for every entry point.

Values come from keyword arguments, then ``EVIDENCE_*`` environment variables, then the
defaults below. Nothing reaches the network unless a setting here says so (``chroma_host``,
``llm_base_url``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_index_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "evidence-assistant" / "index"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", extra="ignore", validate_default=True)

    # --- Index -------------------------------------------------------------------------------
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
    batch_size: int = Field(32, ge=1, description="Passages per embedding batch.")
    query_cache_size: int = Field(1024, ge=0, description="Query embeddings kept in memory.")
    torch_threads: int | None = Field(None, description="Threads for torch; unset means the number of cores.")

    # --- Ingest ------------------------------------------------------------------------------
    chunk_tokens: int = Field(192, ge=32, le=254, description="Passage size in the model's own tokens (the model reads at most 256 with its two special tokens).")
    chunk_overlap: int = Field(32, ge=0, description="Tokens repeated between consecutive windows of a paragraph too long for one passage.")
    max_file_mb: float = Field(100.0, gt=0, description="Files larger than this are skipped with a message.")
    lexical_context: bool = Field(False, description="BM25 also reads each passage's document title and nearest headings (the model always does). Helps where titles are specific (SciFact), hurts where they repeat the questions' words (committee papers); changing it re-tokenises the index once.")
    max_pdf_pages: int = Field(2000, ge=1, description="PDFs with more pages are skipped.")
    file_timeout_s: float = Field(120.0, gt=0, description="Per-file limit on parsing time.")
    ocr: Literal["auto", "on", "off"] = Field("auto", description="OCR for PDF pages with no text layer (scanned letters), by Tesseract: 'auto' reads them when the tesseract-ocr and poppler-utils packages are installed and otherwise skips them with a warning; 'on' refuses a PDF with such pages when Tesseract is missing; 'off' skips them. Pages with a text layer are never OCR'd; OCR'd passages show 'Scanned page: text read by OCR' as their section.")
    ocr_page_timeout_s: float = Field(60.0, gt=0, description="Time limit for OCR of one page; a page over it is skipped with the reason in the file's warnings. OCR of one file also stops at 60% of file_timeout_s.")
    sources_toml: Path | None = Field(None, description="Metadata for files by name (corpus/sources.toml); found beside the files when unset.")

    # --- Retrieval ---------------------------------------------------------------------------
    dense_k: int = Field(300, ge=1, description="Candidates taken from the dense index (chosen on SciFact train queries).")
    lexical_k: int = Field(300, ge=1, description="Candidates taken from the lexical index (chosen on SciFact train queries).")
    top_k: int = Field(8, ge=1, description="Passages handed to the answerer.")
    retrieval: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="Which indexes answer a query.")
    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How dense and lexical results are fused: weighted scores, each list scaled by its best (chosen on SciFact train queries), or reciprocal rank fusion.")
    rrf_k: int = Field(20, ge=1, description="Reciprocal rank fusion constant, with fusion=rrf (chosen on SciFact train queries).")
    dense_weight: float = Field(0.6, ge=0, description="Weight of the dense list in fusion (chosen on SciFact train queries).")
    lexical_weight: float = Field(0.4, ge=0, description="Weight of the lexical list in fusion (chosen on SciFact train queries).")
    max_per_document: int = Field(4, ge=1, description="At most this many of the top passages from one document (diversity; chosen on the sample evaluation).")

    # --- Answering ---------------------------------------------------------------------------
    answerer: Literal["extractive", "generative"] = Field("extractive", description="Extractive needs no model; generative needs llm_base_url and llm_model.")
    max_answer_sentences: int = Field(5, ge=1, description="Sentences in an extractive answer at most.")
    min_relevance: float = Field(0.5, description="Below this relevance (mean of the best sentence's score and the share of the question's distinctive words the top passages hold) the answer says the documents do not answer.")
    min_proposition: float = Field(0.0, ge=0, le=1, description="A 'why …' question whose assumption no single retrieved sentence states to at least this share of its distinctive words is treated as a false premise (0 turns the check off).")
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

    # --- Chat app ----------------------------------------------------------------------------
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

    log_level: str = Field("WARNING", description="Logging level. Document text is logged only at DEBUG.")

    @field_validator("index_dir", "model_path", "prompts_dir", "sources_toml", "upload_dir", mode="before")
    @classmethod
    def _expand(cls, v: Any) -> Any:
        if isinstance(v, str) and v:
            return Path(v).expanduser()
        if isinstance(v, Path):
            return v.expanduser()
        return v

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [h for h in re.split(r"[,\s]+", v) if h] or None
        return v

    def to_dict(self) -> dict[str, Any]:
        """Settings as plain data, with secrets left out."""
        d = self.model_dump(mode="json")
        for secret in ("llm_api_key", "password"):
            d[secret] = "**********" if d.get(secret) else None
        return d


def get_settings(settings: Settings | None = None, **overrides: Any) -> Settings:
    if settings is None:
        return Settings(**overrides)
    if overrides:
        return settings.model_copy(update=overrides)
    return settings
