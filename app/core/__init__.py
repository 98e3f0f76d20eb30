"""Cross-cutting pieces: base model types, pole scoping, permissions, audit, helpers."""
