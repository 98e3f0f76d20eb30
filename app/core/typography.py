"""French typography for translated strings: no-break spaces inside guillemets and before
« : ; ! ? », so « Genre : » never breaks into « Genre » / « : » at the end of a phone line.

Applied to every msgid/translation that templates pass through `_()` / `ngettext` (before
their %(placeholders)s are filled, so people's names and free text are left as typed), and
available as the `typo` filter for literal template text."""

import re

from flask import Flask
from flask_babel import get_translations
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
    """Wrap the gettext callables Flask-Babel installed in Jinja (call after babel.init_app)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: french_spacing(get_translations().ugettext(s)),
        ngettext=lambda s, p, n: french_spacing(get_translations().ungettext(s, p, n)),
        newstyle=True,
        pgettext=lambda c, s: french_spacing(get_translations().upgettext(c, s)),
        npgettext=lambda c, s, p, n: french_spacing(get_translations().unpgettext(c, s, p, n)),
    )
    app.add_template_filter(typo_filter, "typo")
