"""The outbox: rows written in the caller's transaction, sent by `flask mail send`."""

import logging
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.core.mail import send_mail
from app.core.models import utcnow
from app.mail.models import OutboxMessage
from tests import factories
from tests.mail.smtp_stub import closed_port, smtp_stub


def _rows(db):
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def smtp_to(app, monkeypatch):
    def _point(port: int) -> None:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
        monkeypatch.setitem(app.config, "MAIL_USE_SSL", False)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 5)

    return _point


def test_send_mail_writes_a_pending_row_and_sends_nothing(app, db, outbox, pole):
    message = send_mail(
        "a@example.org",
        "Objet",
        "Corps du message",
        html="<p>Corps</p>",
        attachments=[("invitation.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\n")],
        pole_id=pole.id,
        kind="test",
    )
    [row] = _rows(db)
    assert row is message
    assert (row.recipient, row.subject, row.body_text, row.body_html) == (
        "a@example.org",
        "Objet",
        "Corps du message",
        "<p>Corps</p>",
    )
    assert (row.status, row.attempts, row.pole_id, row.kind) == ("pending", 0, pole.id, "test")
    assert row.sent_at is None
    assert row.next_attempt_at <= utcnow()
    [attachment] = row.attachments
    assert (attachment.filename, attachment.content) == ("invitation.ics", b"BEGIN:VCALENDAR\r\n")
    # The `outbox` fixture still shows the built message, with its parts.
    [msg] = outbox
    assert msg["To"] == "a@example.org"
    assert msg.get_body(("plain",)).get_content().strip() == "Corps du message"
    assert msg.get_body(("html",)).get_content().strip() == "<p>Corps</p>"
    [part] = list(msg.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitation.ics"


def test_old_positional_signature_still_works(db, outbox):
    send_mail("b@example.org", "Sujet", "Texte")
    [row] = _rows(db)
    assert (row.kind, row.pole_id, row.body_html) == ("other", None, None)
    assert outbox[0].get_content().strip() == "Texte"


def test_password_reset_is_queued_with_its_kind_and_template(client, db, outbox, advisor):
    response = client.post("/password/forgot", data={"email": advisor.email})
    assert response.status_code == 302
    [row] = _rows(db)
    assert (row.kind, row.recipient, row.status) == ("password_reset", advisor.email, "pending")
    assert row.pole_id == advisor.pole_id
    assert "/password/reset/" in row.body_text
    assert "mot de passe reste inchangé" in row.body_text


def test_worker_without_smtp_logs_and_marks_sent(app, db, runner, caplog):
    send_mail("c@example.org", "Sans serveur", "Bonjour le journal")
    with caplog.at_level(logging.INFO):
        result = runner.invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 courriel(s) envoyé(s)" in result.output
    [row] = _rows(db)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None
    assert "Bonjour le journal" in caplog.text
    # Sent once: a second run finds nothing.
    result = runner.invoke(args=["mail", "send", "--once"])
    assert "0 courriel(s) envoyé(s)" in result.output


def test_worker_sends_through_smtp(app, db, runner, smtp_to):
    send_mail("d@example.org", "Par SMTP", "Contenu", attachments=[("a.txt", "text/plain", b"piece")])
    with smtp_stub() as server:
        smtp_to(server.server_address[1])
        result = runner.invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    [(recipients, data)] = server.received
    assert recipients == ["d@example.org"]
    assert b"Subject: Par SMTP" in data
    assert b'filename="a.txt"' in data
    assert _rows(db)[0].status == "sent"


def test_failing_smtp_keeps_the_mail_pending_and_the_action_saved(app, client, db, runner, advisor, smtp_to):
    from app.core.audit import AuditEvent

    smtp_to(closed_port())
    with freeze_time("2026-12-05 10:00:00"):
        # The user's action (a password reset request) goes through and is committed…
        response = client.post("/password/forgot", data={"email": advisor.email})
        assert response.status_code == 302
        db.session.rollback()  # forget everything not committed
        [row] = _rows(db)
        assert row.status == "pending"
        # … and the worker cannot reach the server: the mail stays pending with the error.
        result = runner.invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 à réessayer" in result.output
    db.session.refresh(row)
    assert row.status == "pending"
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at.isoformat() == "2026-12-05T10:01:00+00:00"
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.password_reset_requested", AuditEvent.target_id == advisor.id
        )
    )


def test_back_off_doubles_then_gives_up(app, db, runner, smtp_to, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 4)
    smtp_to(closed_port())
    with freeze_time("2026-12-05 10:00:00"):
        send_mail("e@example.org", "Réessais", "Texte")
    [row] = _rows(db)
    expected_waits = [60, 120, 240]
    with freeze_time("2026-12-05 10:00:00") as frozen:
        for wait in expected_waits:
            runner.invoke(args=["mail", "send", "--once"])
            db.session.refresh(row)
            assert row.status == "pending"
            assert row.next_attempt_at == utcnow() + timedelta(seconds=wait)
            # Not due a second before its time: nothing is tried.
            frozen.tick(timedelta(seconds=wait - 1))
            attempts = row.attempts
            runner.invoke(args=["mail", "send", "--once"])
            db.session.refresh(row)
            assert row.attempts == attempts
            frozen.tick(timedelta(seconds=1))
        result = runner.invoke(args=["mail", "send", "--once"])
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("failed", 4)
    assert "1 abandonné(s)" in result.output
    assert "Attention : 1 courriel(s) abandonné(s)" in result.output
    status = runner.invoke(args=["mail", "status"])
    assert "abandonnés : 1" in status.output
    assert f"#{row.id} [failed, 4 essai(s)] e@example.org" in status.output
    # An operator puts it back in the queue.
    result = runner.invoke(args=["mail", "retry", str(row.id)])
    assert "1 courriel(s) remis" in result.output
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("pending", 0)


def test_recipient_refused_for_good_fails_at_once(app, db, runner, smtp_to):
    send_mail("nobody@example.org", "Refusé", "Texte")
    with smtp_stub(refuse_code=550) as server:
        smtp_to(server.server_address[1])
        runner.invoke(args=["mail", "send", "--once"])
    [row] = _rows(db)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "SMTPRecipientsRefused" in row.last_error


def test_temporary_refusal_is_retried(app, db, runner, smtp_to):
    send_mail("busy@example.org", "Occupé", "Texte")
    with smtp_stub(refuse_code=451) as server:
        smtp_to(server.server_address[1])
        runner.invoke(args=["mail", "send", "--once"])
    [row] = _rows(db)
    assert (row.status, row.attempts) == ("pending", 1)


def test_rolled_back_action_sends_nothing(app, db, runner):
    pole = factories.PoleFactory()
    db.session.commit()  # inside the test's outer transaction (a savepoint)
    nested = db.session.begin_nested()
    send_mail("f@example.org", "Annulé", "Texte", pole_id=pole.id)
    nested.rollback()
    assert _rows(db) == []


def test_admins_see_their_poles_failed_mails_and_can_send_them_again(client, db, login_as, admin, pole):
    mine = send_mail("g@example.org", "Échoué", "Texte", pole_id=pole.id)
    mine.status, mine.attempts, mine.last_error = "failed", 10, "SMTPRecipientsRefused: 550"
    other_pole = factories.PoleFactory()
    theirs = send_mail("h@example.org", "Autre pôle", "Texte", pole_id=other_pole.id)
    theirs.status, theirs.last_error = "failed", "refusé"
    db.session.flush()
    login_as(admin)
    page = client.get("/courriels/").get_data(as_text=True)
    assert "g@example.org" in page and "SMTPRecipientsRefused: 550" in page
    assert "h@example.org" not in page
    assert "abandonnés : 1" in page
    assert client.post(f"/courriels/{theirs.id}/renvoyer").status_code == 404
    response = client.post(f"/courriels/{mine.id}/renvoyer")
    assert response.status_code == 302
    db.session.refresh(mine)
    assert (mine.status, mine.attempts) == ("pending", 0)
    assert "g@example.org" in client.get("/courriels/?statut=pending").get_data(as_text=True)
    assert "g@example.org" not in client.get("/courriels/?statut=failed").get_data(as_text=True)


def test_a_stopping_worker_gives_back_what_it_claimed(app, db):
    from app.mail import services

    for n in range(3):
        send_mail(f"stop{n}@example.org", "Arrêt", "Texte")
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2  # the loop's check, the first message's, then stop

    result = services.send_due(batch_size=10, stop=stop)
    assert result.sent == 1
    rows = _rows(db)
    assert [r.status for r in rows] == ["sent", "pending", "pending"]
    assert [r.attempts for r in rows[1:]] == [0, 0]
    assert all(r.next_attempt_at <= utcnow() for r in rows[1:])


def test_purge_deletes_old_sent_mails_only(app, db, runner):
    with freeze_time("2026-08-01 10:00:00"):
        send_mail("old@example.org", "Ancien", "Texte")
        runner.invoke(args=["mail", "send", "--once"])
        send_mail("later@example.org", "Plus tard", "Texte")
    with freeze_time("2026-12-01 10:00:00"):
        send_mail("new@example.org", "Récent", "Texte")
        runner.invoke(args=["mail", "send", "--once"])
        result = runner.invoke(args=["mail", "purge", "--days", "90"])
    assert "1 courriel(s) envoyé(s) supprimé(s)" in result.output
    assert sorted(r.recipient for r in _rows(db)) == ["later@example.org", "new@example.org"]


def test_a_message_that_cannot_be_built_fails_without_stopping_the_worker(app, db, runner, monkeypatch):
    send_mail("bad@example.org", "Mauvais", "Texte")
    send_mail("good@example.org", "Bon", "Texte")
    bad = _rows(db)[0]
    bad.recipient = "bad@example.org\nBcc: intrus@example.org"  # header injection attempt
    db.session.flush()
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    result = runner.invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    statuses = {r.recipient.split("\n")[0]: (r.status, r.last_error is not None) for r in _rows(db)}
    assert statuses == {"bad@example.org": ("failed", True), "good@example.org": ("sent", False)}


def test_forget_recipient_deletes_their_mails_for_anonymisation(app, db):
    from app.mail.services import forget_recipient

    send_mail("Anne@Example.org", "Un", "Texte", attachments=[("a.txt", "text/plain", b"x")])
    send_mail("autre@example.org", "Deux", "Texte")
    assert forget_recipient(" anne@example.org ") == 1
    assert [r.recipient for r in _rows(db)] == ["autre@example.org"]
    assert forget_recipient("") == 0
