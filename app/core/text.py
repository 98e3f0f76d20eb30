"""Text folding for accent- and case-insensitive matching and search."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(value: str | None) -> str:
    """'Élodie  LE GOFF' -> 'elodie le goff': no accents, lower case, single spaces."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def search_text(*parts: str | None) -> str:
    """The folded text stored in `search_text` columns and matched with LIKE."""
    return " ".join(fold(p) for p in parts if p)[:600]


def like_pattern(query: str) -> str:
    """A LIKE pattern for a folded query, with LIKE wildcards escaped (escape char '\\')."""
    q = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{q}%"
