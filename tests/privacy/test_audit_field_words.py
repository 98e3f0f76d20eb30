"""Issue 17: the journal names changed fields in words where a label exists."""

from datetime import UTC, datetime

from tests.privacy.test_audit_journal import event


def test_changed_fields_in_words_unknown_keys_kept(client, db, admin, pole, login_as):
    event(
        db,
        pole,
        "referral.status",
        actor=admin,
        target_type="Referral",
        target_id=62,
        changes={"status": ["sent", "declined"], "decline_reason": ["", "Hors champ"], "zz_new_field": 1},
        at=datetime(2026, 3, 1, 10, tzinfo=UTC),
    )
    login_as(admin)
    html = client.get("/privacy/journal").get_data(as_text=True)
    assert "Motif du refus" in html and "decline_reason" not in html
    assert "Statut" in html and "<code>status</code>" not in html
    assert "<code>zz_new_field</code>" in html
