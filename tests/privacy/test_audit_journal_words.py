"""The audit journal page speaks French: actions and records in words, no `None`."""

from datetime import UTC, datetime

from tests.privacy.test_audit_journal import event


def test_actions_and_records_in_words(client, db, admin, pole, login_as):
    event(db, pole, "login.success", actor=admin, target_type="User", target_id=admin.id)
    event(
        db,
        pole,
        "referral.status",
        actor=admin,
        target_type="Referral",
        target_id=62,
        changes={"status": ["sent", "declined"], "decline_reason": None},
        at=datetime(2026, 3, 1, 10, tzinfo=UTC),
    )
    login_as(admin)
    html = client.get("/privacy/journal").get_data(as_text=True)
    assert "Connexion réussie" in html and "login.success" not in html
    assert f"Compte n° {admin.id}" in html and "User n°" not in html
    assert "État d&#39;une orientation changé" in html and "Orientation n° 62" in html
    assert "None" not in html
