"""Pole settings pages (filled by later issues)."""
