"""WTForms' own messages ("Ce champ est requis."…), translated once per process.

Flask-WTF loads and parses WTForms' catalogue from disk on every request that builds a form
(it caches it on the request only): a few milliseconds per page for a file that never changes
while the app runs. This keeps one parsed catalogue per locale for the process.
"""

from babel import support
from flask import current_app, has_request_context
from flask_babel import get_locale
from wtforms.i18n import messages_path

_catalogues: dict[str, support.Translations] = {}


def _wtforms_translations():
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    locale = str(get_locale())
    catalogue = _catalogues.get(locale)
    if catalogue is None:
        catalogue = _catalogues[locale] = support.Translations.load(
            messages_path(), [locale], domain="wtforms"
        )
    return catalogue


def install() -> None:
    import flask_wtf.i18n

    flask_wtf.i18n._get_translations = _wtforms_translations
