"""French typography for translated strings: no-break spaces inside guillemets and before
« : ; ! ? », so « Genre : » never breaks into « Genre » / « : » at the end of a phone line.

Used as the `typo` filter where text built in Python reaches a page (report titles, notes,
labels). Wrapping every template gettext was tried and works, but changes strings that ~25
tests in other areas assert with ordinary spaces: left for the lead (see notes/finish17.md)."""

import re

from flask import Flask
from markupsafe import Markup

NBSP = "\u00a0"  # before « : » and inside guillemets
NNBSP = "\u202f"  # thin, before « ; ! ? »

_OPENING = re.compile(r"« +")
_CLOSING = re.compile(r" +»")
_COLON = re.compile(r" +:(?=\s|$|<)")
_THIN = re.compile(r" +([;!?])(?=\s|$|<|»)")


def french_spacing(text: str) -> str:
    if not text or not any(c in text for c in "«»:;!?"):
        return text
    text = _OPENING.sub("«" + NBSP, text)
    text = _CLOSING.sub(NBSP + "»", text)
    text = _COLON.sub(NBSP + ":", text)
    return _THIN.sub(NNBSP + r"\1", text)


def typo_filter(value):
    if isinstance(value, Markup):
        return Markup(french_spacing(str(value)))  # noqa: S704 - already-safe HTML, only spaces change
    return french_spacing("" if value is None else str(value))


def register(app: Flask) -> None:
    app.add_template_filter(typo_filter, "typo")
