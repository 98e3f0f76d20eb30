"""Two workers draining the outbox at the same time on PostgreSQL send each mail once.

The workers run in real threads with their own connections, so the rows must be committed:
this module does not use the rolled-back `db` fixture and deletes its own rows afterwards.
"""

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.mail import services
from app.mail.models import OutboxMessage

PREFIX = "worker-test-"


@pytest.fixture
def committed_messages(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs a single worker: concurrent claiming is a PostgreSQL matter")
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient.like(f"{PREFIX}%")))
        for n in range(60):
            services.send_mail(f"{PREFIX}{n}@example.org", f"Message {n}", "Texte", kind="test")
        db.session.commit()
        app.extensions["mail_outbox"] = []
    try:
        yield [f"{PREFIX}{n}@example.org" for n in range(60)]
    finally:
        with app.app_context():
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient.like(f"{PREFIX}%")))
            db.session.commit()
            db.session.remove()


def test_two_workers_send_each_mail_exactly_once(app, committed_messages, monkeypatch):
    delivered: list[str] = []
    lock = threading.Lock()

    def fake_deliver(msg):
        time.sleep(0.005)  # an SMTP exchange takes a while: the workers overlap
        with lock:
            delivered.append(msg["To"])

    monkeypatch.setattr(services, "deliver", fake_deliver)
    start = threading.Barrier(2)
    results: list[services.DrainResult] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                start.wait()
                results.append(services.send_due(batch_size=2))
                db.session.remove()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    counts = Counter(delivered)
    assert sorted(counts) == sorted(committed_messages)
    assert set(counts.values()) == {1}, [to for to, n in counts.items() if n > 1]
    # Both workers took part, and the table agrees.
    assert all(result.sent > 0 for result in results), [r.sent for r in results]
    with app.app_context():
        statuses = db.session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.recipient.like(f"{PREFIX}%"))
        ).all()
        db.session.remove()
    assert statuses == ["sent"] * 60
