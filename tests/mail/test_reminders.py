"""Séance reminders: who gets one, once; the .ics that updates and cancels; the opt-out link."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from icalendar import Calendar
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.mail.models import OutboxMessage, ReminderOptOut, SessionReminder
from tests import factories
from tests.sessions.factories import AttendanceFactory, PersonFactory, SessionFactory

# Thursday 10 December 2026, 14:00 in Paris; reminders go two days before, on the 8th.
STARTS = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
REMINDER_DAY = "2026-12-08 06:00:00"


@pytest.fixture
def seance(pole):
    advisor = factories.UserFactory(pole=pole, role="advisor", full_name="Claire Martin")
    session = SessionFactory(
        pole=pole,
        title="Atelier gouvernance",
        starts_at=STARTS,
        duration_minutes=90,
        place="Maison des associations",
    )
    session.advisors = [advisor]
    people = {
        "anne": PersonFactory(pole=pole, first_name="Anne", email="anne@example.org"),
        "bruno": PersonFactory(pole=pole, first_name="Bruno", email="bruno@example.org"),
        "chloe": PersonFactory(pole=pole, first_name="Chloé", email="chloe@example.org"),
        "dan": PersonFactory(pole=pole, first_name="Dan", email=None),
        "eve": PersonFactory(pole=pole, first_name="Eve", email="eve@example.org", anonymized_at=utcnow()),
        "fay": PersonFactory(pole=pole, first_name="Fay", email="fay@example.org"),
    }
    statuses = {"anne": "invited", "bruno": "invited", "chloe": "excused", "dan": "invited", "eve": "invited"}
    statuses["fay"] = "invited"
    for key, status in statuses.items():
        AttendanceFactory(session=session, person=people[key], status=status)
    from app.mail.reminders import opt_out

    opt_out(people["fay"])
    return session, people


def _mails(db, kind=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _ics(message: OutboxMessage):
    [attachment] = message.attachments
    assert attachment.filename == "invitation.ics"
    calendar = Calendar.from_ical(attachment.content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def _remind(runner):
    result = runner.invoke(args=["mail", "reminders"])
    assert result.exit_code == 0, result.output
    return result


def test_reminders_go_two_days_before_to_registered_participants_with_an_email(app, db, runner, seance):
    session, people = seance
    with freeze_time("2026-12-07 06:00:00"):  # three days before: not yet
        _remind(runner)
    assert _mails(db) == []
    with freeze_time(REMINDER_DAY):
        result = _remind(runner)
    assert "2 rappel(s)" in result.output
    mails = _mails(db)
    assert sorted(m.recipient for m in mails) == ["anne@example.org", "bruno@example.org"]
    anne = next(m for m in mails if m.recipient == "anne@example.org")
    assert anne.kind == "session_reminder"
    assert anne.pole_id == session.pole_id
    assert anne.subject == "Rappel : « Atelier gouvernance » le jeudi 10 décembre 2026 à 14:00"
    assert "Bonjour Anne," in anne.body_text
    assert "Date : jeudi 10 décembre 2026 à 14:00" in anne.body_text
    assert "Lieu : Maison des associations" in anne.body_text
    assert "Avec : Claire Martin" in anne.body_text
    assert "Anne" in anne.body_html and "Claire Martin" in anne.body_html
    calendar, event = _ics(anne)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == f"seance-{session.id}@localhost"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == STARTS
    assert event.decoded("dtend") == STARTS + timedelta(minutes=90)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert str(event["location"]) == "Maison des associations"
    assert str(event["attendee"]) == "mailto:anne@example.org"
    assert anne.attachments[0].mime_type.startswith("text/calendar; method=REQUEST")
    # Recorded, so each reminder goes once: the next days add nothing.
    assert len(db.session.scalars(select(SessionReminder)).all()) == 2
    for day in (REMINDER_DAY, "2026-12-09 06:00:00"):
        with freeze_time(day):
            result = _remind(runner)
        assert "0 rappel(s), 0 mise(s) à jour, 0 annulation(s)" in result.output
    assert len(_mails(db)) == 2


def test_a_moved_seance_sends_an_update_with_the_same_uid_and_a_higher_sequence(app, db, runner, seance):
    session, _people = seance
    with freeze_time(REMINDER_DAY):
        _remind(runner)
    with freeze_time("2026-12-08 10:00:00"):
        session.starts_at = STARTS + timedelta(hours=2)
        session.place = "Salle polyvalente"
        db.session.flush()
        result = _remind(runner)
        assert "2 mise(s) à jour" in result.output
        result = _remind(runner)
        assert "0 mise(s) à jour" in result.output
    updates = _mails(db, "session_update")
    assert len(updates) == 2
    update = updates[0]
    assert update.subject.startswith(
        "Séance modifiée : « Atelier gouvernance » le jeudi 10 décembre 2026 à 16:00"
    )
    assert "Lieu : Salle polyvalente" in update.body_text
    calendar, event = _ics(update)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == f"seance-{session.id}@localhost"
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == STARTS + timedelta(hours=2)
    # Moved again: sequence 2.
    with freeze_time("2026-12-09 10:00:00"):
        session.duration_minutes = 60
        db.session.flush()
        _remind(runner)
    _calendar, event = _ics(_mails(db, "session_update")[-1])
    assert int(event["sequence"]) == 2


def test_an_excused_participant_and_a_deleted_seance_get_a_cancel(app, db, runner, seance):
    session, people = seance
    session_id = session.id
    with freeze_time(REMINDER_DAY):
        _remind(runner)
        bruno = next(a for a in session.attendances if a.person_id == people["bruno"].id)
        bruno.status = "excused"
        db.session.flush()
        result = _remind(runner)
    assert "1 annulation(s)" in result.output
    [cancel] = _mails(db, "session_cancel")
    assert cancel.recipient == "bruno@example.org"
    assert cancel.subject == "Séance annulée : « Atelier gouvernance » du jeudi 10 décembre 2026 à 14:00"
    calendar, event = _ics(cancel)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"seance-{session_id}@localhost"
    assert int(event["sequence"]) == 1
    # The séance is deleted: Anne's calendar loses it too, from what the reminder row kept.
    with freeze_time("2026-12-09 06:00:00"):
        db.session.delete(session)
        db.session.flush()
        db.session.expire_all()
        result = _remind(runner)
        assert "1 annulation(s)" in result.output
        result = _remind(runner)
        assert "0 annulation(s)" in result.output
    cancels = _mails(db, "session_cancel")
    assert [m.recipient for m in cancels] == ["bruno@example.org", "anne@example.org"]
    _calendar, event = _ics(cancels[-1])
    assert str(event["uid"]) == f"seance-{session_id}@localhost"
    assert str(event["summary"]) == "Atelier gouvernance"


def test_a_participant_registered_again_gets_a_new_invitation(app, db, runner, seance):
    session, people = seance
    with freeze_time(REMINDER_DAY):
        _remind(runner)
        bruno = next(a for a in session.attendances if a.person_id == people["bruno"].id)
        bruno.status = "excused"
        db.session.flush()
        _remind(runner)
        bruno.status = "invited"
        db.session.flush()
        _remind(runner)
    mails = [m for m in _mails(db) if m.recipient == "bruno@example.org"]
    assert [m.kind for m in mails] == ["session_reminder", "session_cancel", "session_reminder"]
    _calendar, event = _ics(mails[-1])
    assert int(event["sequence"]) == 2


def test_the_pole_setting_sets_the_day_and_zero_turns_reminders_off(app, db, runner, seance, pole):
    pole.session_reminder_days = 0
    db.session.flush()
    with freeze_time("2026-12-10 06:00:00"):
        _remind(runner)
    assert _mails(db) == []
    pole.session_reminder_days = 5
    db.session.flush()
    with freeze_time("2026-12-05 06:00:00"):
        _remind(runner)
    assert len(_mails(db)) == 2


def test_opt_out_from_the_link_in_the_mail(app, client, db, runner, seance, pole):
    session, people = seance
    with freeze_time(REMINDER_DAY):
        _remind(runner)
    anne = next(m for m in _mails(db) if m.recipient == "anne@example.org")
    url = re.search(r"https?://\S+/courriels/rappels/desinscription/\S+", anne.body_text).group(0)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    assert "Ne plus recevoir les rappels des séances" in page.get_data(as_text=True)
    assert (
        db.session.scalar(select(ReminderOptOut).where(ReminderOptOut.person_id == people["anne"].id)) is None
    )
    response = client.post(path)
    assert response.status_code == 302
    page = client.get(path)
    assert "vous ne recevrez plus de rappels" in page.get_data(as_text=True)
    assert db.session.scalar(select(ReminderOptOut).where(ReminderOptOut.person_id == people["anne"].id))
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "person.reminders_opt_out", AuditEvent.target_id == people["anne"].id
        )
    )
    # Another séance: Anne is no longer reminded, Bruno still is; the moved séance updates only Bruno.
    other = SessionFactory(pole=pole, title="Suite", starts_at=STARTS + timedelta(days=7))
    for key in ("anne", "bruno"):
        AttendanceFactory(session=other, person=people[key], status="invited")
    with freeze_time("2026-12-15 06:00:00"):
        _remind(runner)
    assert [m.recipient for m in _mails(db) if m.subject.startswith("Rappel : « Suite »")] == [
        "bruno@example.org"
    ]
    # A tampered link is unknown.
    assert client.get(path[:-3] + "xyz").status_code == 404


def test_expired_optout_link_explains_in_french(app, client, db, runner, seance):
    with freeze_time(REMINDER_DAY):
        _remind(runner)
    anne = next(m for m in _mails(db) if m.recipient == "anne@example.org")
    path = "/courriels/" + anne.body_text.split("/courriels/", 1)[1].split()[0]
    with freeze_time("2028-01-01"):
        page = client.get(path)
        assert page.status_code == 410
        assert "Ce lien a expiré." in page.get_data(as_text=True)
        assert client.post(path).status_code == 410


def test_mail_settings_page(client, db, login_as, admin, pole):
    login_as(admin)
    assert client.get("/courriels/parametres").status_code == 200
    response = client.post(
        "/courriels/parametres", data={"session_reminder_days": "45", "monthly_report_day": "3"}
    )
    assert response.status_code == 200
    assert "Entre 0 et 30 jours." in response.get_data(as_text=True)
    response = client.post(
        "/courriels/parametres", data={"session_reminder_days": "trois", "monthly_report_day": "3"}
    )
    assert response.status_code == 200
    response = client.post(
        "/courriels/parametres", data={"session_reminder_days": "3", "monthly_report_day": "5"}
    )
    assert response.status_code == 302
    db.session.refresh(pole)
    assert (pole.session_reminder_days, pole.monthly_report_day) == (3, 5)


def test_staff_see_the_opt_out_on_the_person_page_and_can_turn_reminders_back_on(
    client, db, login_as, advisor, seance
):
    _session, people = seance
    fay, anne = people["fay"], people["anne"]
    login_as(advisor)
    page = client.get(f"/people/{fay.id}").get_data(as_text=True)
    assert "s'est désinscrite des rappels de séance" in page
    assert "s'est désinscrite des rappels" not in client.get(f"/people/{anne.id}").get_data(as_text=True)
    response = client.post(f"/courriels/rappels/personne/{fay.id}/reactiver")
    assert response.status_code == 302
    assert db.session.scalar(select(ReminderOptOut).where(ReminderOptOut.person_id == fay.id)) is None
    assert "s'est désinscrite des rappels" not in client.get(f"/people/{fay.id}").get_data(as_text=True)
    other_pole_person = PersonFactory(pole=factories.PoleFactory(), email="z@example.org")
    assert client.post(f"/courriels/rappels/personne/{other_pole_person.id}/reactiver").status_code == 404


def test_a_seance_moved_to_a_time_already_past_is_not_cancelled(app, db, runner, seance):
    session, _people = seance
    with freeze_time(REMINDER_DAY):
        _remind(runner)
    with freeze_time("2026-12-10 12:00:00"):  # 13:00 in Paris; the séance was moved to 09:00
        session.starts_at = STARTS - timedelta(hours=4)
        db.session.flush()
        result = _remind(runner)
    assert "0 rappel(s), 0 mise(s) à jour, 0 annulation(s)" in result.output
