"""Ingest and index floor (files -> passages -> index): loaders, chunker, embedder, manifest, stores and the ingest pipeline; imports only the ground floor (``evidence_assistant.core``).

Importing it sets the offline defaults (no model hub, no telemetry, single-threaded BLAS) before
any heavy library loads; values the user has set win."""
from evidence_assistant.core.offline import set_offline_env

set_offline_env()
