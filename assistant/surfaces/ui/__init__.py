"""The browser chat, part of the top floor: it reaches the index only through the ``Assistant`` facade.

The browser chat (``evidence chat``). Import ``evidence_assistant.surfaces.ui.app`` for ``build_app`` and
``launch``; this package itself imports nothing, so that importing it does not load Gradio."""
