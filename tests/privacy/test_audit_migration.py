"""The revision that stops the journal keeping free text also cleans the entries written before."""

import json
import os

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from config import TestConfig

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")


def test_existing_entries_lose_their_free_text(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite'}"

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0e1479718851")  # the schema before this fix
        rows = {
            1: ("Request", {"contact_text": [None, "Zoé Kerbrat 06 11 22 33 44"], "channel": "phone"}),
            2: (None, {"format": "csv", "rows": 3, "q": "kerbrat"}),
            3: (
                "Referral",
                {"status": ["sent", "accepted"], "changed_on": "2026-03-05", "partner": "URSCOP"},
            ),
            4: ("Thematic", {"name": ["Communication", "Communication et plaidoyer"]}),
            5: (
                "AccompanimentSession",
                {"attendance": {"12": ["invited", "present"]}, "title": "Projet de Zoé"},
            ),
        }
        with db.engine.begin() as conn:
            for event_id, (target_type, changes) in rows.items():
                conn.execute(
                    text(
                        "INSERT INTO audit_events (id, occurred_at, action, target_type, changes) "
                        "VALUES (:id, '2026-03-05 10:00:00', 'x.update', :type, :changes)"
                    ),
                    {"id": event_id, "type": target_type, "changes": json.dumps(changes)},
                )
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            stored = {
                row[0]: json.loads(row[1])
                for row in conn.execute(text("SELECT id, changes FROM audit_events"))
            }
        db.engine.dispose()
    assert stored == {
        1: {"contact_text": [None, "…"], "channel": "phone"},
        2: {"format": "csv", "rows": 3, "q": "…"},
        3: {"status": ["sent", "accepted"], "changed_on": "2026-03-05", "partner": "…"},
        4: {"name": ["Communication", "Communication et plaidoyer"]},
        5: {"attendance": {"12": ["invited", "present"]}, "title": "…"},
    }
