"""The browser chat (``evidence chat``). Import ``assistant.ui.app`` for ``build_app`` and
``launch``; this package itself imports nothing, so that importing it does not load Gradio."""
