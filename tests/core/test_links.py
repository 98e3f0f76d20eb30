"""Signed links for people without an account, and absolute URLs built from BASE_URL."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.links import SignedLink, check_link, issue_link, revoke_links, use_link
from app.core.urls import absolute_url


def test_a_token_is_stored_hashed_and_checked_for_its_purpose_only(db, pole):
    token = issue_link(
        pole_id=pole.id, purpose="test", target=pole, recipient="a@example.org", valid_for=timedelta(days=1)
    )
    link = db.session.execute(select(SignedLink)).scalar_one()
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert (link.target_type, link.target_id, link.recipient) == ("Pole", pole.id, "a@example.org")
    assert check_link(token, "test").ok
    assert check_link(token, "other").problem == "unknown"
    assert check_link(token[:-1] + ("A" if token[-1] != "A" else "B"), "test").problem == "unknown"
    assert check_link("", "test").problem == "unknown"
    assert check_link("x" * 500, "test").problem == "unknown"


def test_expiry_is_exclusive_of_the_last_instant(db, pole):
    with freeze_time("2026-12-01 10:00:00"):
        token = issue_link(
            pole_id=pole.id,
            purpose="test",
            target=pole,
            recipient="a@example.org",
            valid_for=timedelta(days=30),
        )
    with freeze_time("2026-12-31 09:59:59"):
        assert check_link(token, "test").ok
    with freeze_time("2026-12-31 10:00:00"):
        assert check_link(token, "test").problem == "expired"


def test_single_use_links_are_used_once_and_every_use_is_journaled(db, pole):
    token = issue_link(
        pole_id=pole.id,
        purpose="test",
        target=pole,
        recipient="a@example.org",
        valid_for=timedelta(hours=48),
        single_use=True,
    )
    check = check_link(token, "test")
    use_link(check.link)
    assert check_link(token, "test").problem == "used"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "link.used")).scalar_one()
    assert (event.target_type, event.target_id, event.pole_id) == ("SignedLink", check.link.id, pole.id)
    assert event.changes == {"purpose": "test", "target_type": "Pole", "target_id": pole.id}


def test_reusable_links_count_their_uses(db, pole):
    token = issue_link(
        pole_id=pole.id, purpose="test", target=pole, recipient="a@example.org", valid_for=timedelta(days=1)
    )
    for _ in range(3):
        use_link(check_link(token, "test").link)
    check = check_link(token, "test")
    assert check.ok and check.link.use_count == 3 and check.link.last_used_at is not None


def test_a_new_link_revokes_the_previous_one_unless_told_otherwise(db, pole, other_pole):
    first = issue_link(
        pole_id=pole.id, purpose="test", target=pole, recipient="a@example.org", valid_for=timedelta(days=1)
    )
    second = issue_link(
        pole_id=pole.id, purpose="test", target=pole, recipient="b@example.org", valid_for=timedelta(days=1)
    )
    assert check_link(first, "test").problem == "revoked"
    assert check_link(second, "test").ok
    kept = issue_link(
        pole_id=pole.id,
        purpose="test",
        target=pole,
        recipient="c@example.org",
        valid_for=timedelta(days=1),
        revoke_previous=False,
    )
    assert check_link(second, "test").ok and check_link(kept, "test").ok
    # Another target's links are untouched.
    other = issue_link(
        pole_id=other_pole.id,
        purpose="test",
        target=other_pole,
        recipient="d@example.org",
        valid_for=timedelta(days=1),
    )
    assert revoke_links(purpose="test", target=pole) == 2
    assert check_link(other, "test").ok


def test_absolute_urls_come_from_base_url_whatever_the_request_host(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://passerelle.example.org/crm")
    with app.test_request_context("/", base_url="http://evil.example"):
        assert absolute_url("auth.login") == "https://passerelle.example.org/crm/login"
    with app.app_context():
        assert absolute_url("auth.login", next="/x") == "https://passerelle.example.org/crm/login?next=/x"
