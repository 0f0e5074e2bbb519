"""Ingest: loaders, chunking, embedding and the index stores."""
from assistant.offline import set_offline_env

set_offline_env()
