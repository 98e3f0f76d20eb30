def test_french_by_default_and_english_available(client, db):
    assert "Mot de passe oublié ?" in client.get("/login").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Forgotten password?" in html
    client.post("/lang/fr", data={"next": "/login"})
    assert "Mot de passe oublié ?" in client.get("/login").get_data(as_text=True)


def test_wtforms_messages_are_translated_and_parsed_once_per_process(app, db, monkeypatch):
    from babel import support
    from flask import session
    from flask_babel import refresh

    from app.core import i18n
    from app.referrals.forms import CommentForm

    loads = []
    real_load = support.Translations.load
    monkeypatch.setattr(i18n, "_catalogues", {})
    monkeypatch.setattr(support.Translations, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))

    def errors(lang: str) -> list[str]:
        with app.test_request_context("/", method="POST", data={}):
            session["lang"] = lang
            refresh()
            form = CommentForm(meta={"csrf": False})
            form.validate()
            return form.comment.errors

    assert errors("fr") == ["Ce champ est requis."]
    assert errors("fr") == ["Ce champ est requis."]
    assert errors("en") == ["This field is required."]
    assert len(loads) == 2  # one parse per locale, not one per request


def test_french_plurals_follow_french_rules(app, db):
    """French says « 0 jour » and « 1 jour » but « 2 jours »: the catalogue's plural rule decides,
    which needs the French plural entries filled (make extract-messages)."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("fr"):
        days = [ngettext("%(num)d jour", "%(num)d jours", n) for n in (0, 1, 2)]
    assert days == ["0 jour", "1 jour", "2 jours"]
