"""The monthly report e-mailed to the pole's admins on the pole's day, once per month."""

from freezegun import freeze_time
from sqlalchemy import select

from app.mail.models import MonthlyMailing, OutboxMessage
from tests import factories


def _mails(db):
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _monthly(runner, *args):
    result = runner.invoke(args=["mail", "monthly", *args])
    assert result.exit_code == 0, result.output
    return result


def test_admins_get_last_months_report_on_the_poles_day_once(app, db, runner, pole, admin):
    other_admin = factories.UserFactory(pole=pole, role="admin")
    factories.UserFactory(pole=pole, role="admin", active=False)
    factories.UserFactory(pole=pole, role="advisor")
    factories.UserFactory(role="admin")  # another pole's admin
    pole.monthly_report_day = 3
    db.session.flush()
    with freeze_time("2026-12-02 10:00:00"):
        result = _monthly(runner, "--pole", pole.slug)
    assert "envoyé à 0" in result.output
    assert _mails(db) == []
    with freeze_time("2026-12-03 06:00:00"):
        result = _monthly(runner, "--pole", pole.slug)
    assert "envoyé à 2" in result.output
    mails = _mails(db)
    assert sorted(m.recipient for m in mails) == sorted([admin.email, other_admin.email])
    mail = mails[0]
    assert (mail.kind, mail.pole_id) == ("admin_report", pole.id)
    assert mail.subject == f"Rapport mensuel de novembre 2026 — {pole.name}"
    assert "http://localhost/reports/monthly?month=2026-11" in mail.body_text
    assert 'href="http://localhost/reports/monthly?month=2026-11"' in mail.body_html
    [pdf] = mail.attachments
    assert pdf.filename == f"rapport-mensuel-{pole.slug}-2026-11.pdf"
    assert pdf.mime_type == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    [record] = db.session.scalars(select(MonthlyMailing)).all()
    assert (record.kind, record.month, record.messages) == ("admin_report", "2026-11", 2)
    # Idempotent: the same day again, and the next days, send nothing more.
    for day in ("2026-12-03 18:00:00", "2026-12-20 06:00:00"):
        with freeze_time(day):
            _monthly(runner, "--pole", pole.slug)
    assert len(_mails(db)) == 2
    # Next month: December's report, on the 3rd (caught up on the 5th if the 3rd was missed).
    with freeze_time("2027-01-05 06:00:00"):
        _monthly(runner, "--pole", pole.slug)
    assert [m.subject for m in _mails(db)][-1] == f"Rapport mensuel de décembre 2026 — {pole.name}"
    assert len(_mails(db)) == 4


def test_day_zero_turns_the_monthly_mail_off(app, db, runner, pole, admin):
    pole.monthly_report_day = 0
    db.session.flush()
    with freeze_time("2026-12-28 06:00:00"):
        _monthly(runner, "--pole", pole.slug)
        # The daily command runs it too, and still sends nothing.
        result = runner.invoke(args=["mail", "daily", "--pole", pole.slug])
    assert result.exit_code == 0, result.output
    assert _mails(db) == []


def test_unknown_pole_and_bad_date_are_refused_in_french(app, db, runner):
    result = runner.invoke(args=["mail", "monthly", "--pole", "nulle-part"])
    assert result.exit_code != 0
    assert "Pôle inconnu : nulle-part" in result.output
    result = runner.invoke(args=["mail", "monthly", "--date", "hier"])
    assert result.exit_code != 0
    assert "AAAA-MM-JJ" in result.output


def _partner_world(pole, advisor):
    from tests.referrals.factories import PartnerFactory, PersonFactory, make_referral

    dla = PartnerFactory(pole_id=pole.id, name="DLA 35", contact_email="contact@dla35.example")
    silent = PartnerFactory(pole_id=pole.id, name="Sans orientation", contact_email="rien@x.example")
    consenting = PersonFactory(pole_id=pole.id, first_name="Awa", last_name="Diallo")
    private = PersonFactory(pole_id=pole.id, first_name="Marc", last_name="Lebreton")
    with freeze_time("2026-11-20 10:00:00"):
        open_one = make_referral(pole, advisor, dla, person=consenting, consent_to_share=True, path=("sent",))
        open_two = make_referral(pole, advisor, dla, person=private, consent_to_share=False, path=("sent",))
    return dla, silent, [open_one, open_two]


def test_partner_referents_get_their_open_orientations_with_links_once_a_month(
    app, db, runner, pole, advisor, monkeypatch
):
    """With stand-ins for the referrals domain's two helpers, so the e-mail is tested on its own."""
    from app.referrals import services as referral_services

    dla, _silent, referrals = _partner_world(pole, advisor)
    monkeypatch.setattr(
        referral_services,
        "open_referrals_for_partner",
        lambda structure: referrals if structure.id == dla.id else [],
        raising=False,
    )
    monkeypatch.setattr(
        referral_services,
        "answer_url",
        lambda referral, recipient=None, **kw: f"http://127.0.0.1:5000/reponse/{referral.id}-{recipient}",
        raising=False,
    )
    pole.monthly_report_day = 2
    db.session.flush()
    with freeze_time("2026-12-02 06:00:00"):
        result = _monthly(runner, "--pole", pole.slug)
        assert "1 récapitulatif(s)" in result.output
        _monthly(runner, "--pole", pole.slug)
    digests = [m for m in _mails(db) if m.kind == "partner_digest"]
    assert len(digests) == 1
    [digest] = digests
    # The referent chosen on the orientation, else (as here) the partner's contact address.
    expected_to = getattr(referrals[0], "referent_address", None) or "contact@dla35.example"
    assert digest.recipient == expected_to
    assert digest.subject == f"{pole.name} : vos orientations en cours (2)"
    assert "Awa Diallo" in digest.body_text  # consented: full name
    assert "Marc" in digest.body_text and "Lebreton" not in digest.body_text  # first name only
    for referral in referrals:
        assert f"http://127.0.0.1:5000/reponse/{referral.id}-{expected_to}" in digest.body_text
    assert "envoyée le 20/11/2026" in digest.body_text
    assert "Lebreton" not in digest.body_html
    records = db.session.scalars(select(MonthlyMailing).where(MonthlyMailing.kind == "partner_digest")).all()
    assert [(r.month, r.recipient_key, r.messages) for r in records] == [("2026-12", str(dla.id), 1)]


def test_partner_digest_with_the_referrals_domains_helpers(app, db, runner, pole, advisor):
    """The same e-mail through the referrals domain's real helpers."""
    dla, _silent, referrals = _partner_world(pole, advisor)
    pole.monthly_report_day = 2
    db.session.flush()
    with freeze_time("2026-12-02 06:00:00"):
        _monthly(runner, "--pole", pole.slug)
    [digest] = [m for m in _mails(db) if m.kind == "partner_digest"]
    assert digest.body_text.count("http://localhost/") == 2
    assert "Lebreton" not in digest.body_text
