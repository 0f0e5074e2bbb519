"""Top floor: what users touch (the ``Assistant`` API facade, the ``evidence`` CLI, the chat, exports, the LangChain adapter); imports any floor below, never ``evidence_evals``."""
