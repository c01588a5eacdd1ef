"""Dossier outputs: JSON (versioned schema), Markdown and HTML."""
