"""Login limits behind a reverse proxy and across workers (issue 19, point 4).

The client address comes from ProxyFix (PROXY_FIX_HOPS); only failures count against an
address; a browser where an account logged in before is not stopped by its address's count;
with RATELIMIT_STORAGE_URI=redis://… every worker and server counts together.
"""

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from app import create_app
from app.extensions import limiter
from config import TestConfig
from tests.conftest import PASSWORD
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 10  # TestConfig's LOGIN_RATE_LIMIT: "10 per minute"


@pytest.fixture
def proxied_app(app):
    """The app as deployed behind one nginx (PROXY_FIX_HOPS=1), on the test database."""

    class BehindNginx(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        PROXY_FIX_HOPS = 1

    proxied = create_app(BehindNginx)
    limiter.reset()
    return proxied


def _login(client, email, password, address, **headers):
    # nginx appends the address it saw to X-Forwarded-For; the app itself sees only nginx (127.0.0.1).
    forwarded = ", ".join([*headers.pop("forged", []), address])
    return client.post(
        "/login", data={"email": email, "password": password}, headers={"X-Forwarded-For": forwarded}
    )


def _spray(client, address, count=LIMIT):
    return [
        _login(client, f"{uuid.uuid4().hex[:8]}@example.org", "mauvais mot de passe", address).status_code
        for _ in range(count)
    ]


def test_failures_from_one_client_do_not_block_another_behind_the_same_proxy(proxied_app, db, pole):
    email = UserFactory(pole=pole, role="advisor").email  # plain values: requests close the session
    attacker, colleague = proxied_app.test_client(), proxied_app.test_client()
    assert _spray(attacker, "203.0.113.7") == [200] * LIMIT
    assert _login(attacker, email, "encore raté", "203.0.113.7").status_code == 429
    # A forged X-Forwarded-For does not help: only the address nginx appended is believed.
    assert _login(attacker, email, PASSWORD, "203.0.113.7", forged=["198.51.100.1"]).status_code == 429
    assert _login(colleague, email, PASSWORD, "203.0.113.8").status_code == 302


def test_a_known_browser_still_logs_in_from_a_blocked_address(proxied_app, db, pole):
    email = UserFactory(pole=pole, role="advisor").email
    other = UserFactory(pole=pole, role="advisor").email
    browser = proxied_app.test_client()
    assert _login(browser, email, PASSWORD, "192.0.2.10").status_code == 302
    browser.post("/logout")
    assert _spray(proxied_app.test_client(), "192.0.2.10") == [200] * LIMIT
    # Same office address, over its limit: this browser's account logs in; an account that never
    # logged in on it does not (spraying from that address stays stopped).
    assert _login(browser, email, PASSWORD, "192.0.2.10").status_code == 302
    assert _login(proxied_app.test_client(), other, PASSWORD, "192.0.2.10").status_code == 429
    browser.post("/logout")
    assert _login(browser, other, PASSWORD, "192.0.2.10").status_code == 429


def test_correct_passwords_do_not_count_against_the_address(proxied_app, db, pole):
    email = UserFactory(pole=pole, role="advisor").email
    client = proxied_app.test_client()
    for _ in range(LIMIT + 5):
        assert _login(client, email, PASSWORD, "198.51.100.20").status_code == 302
        client.post("/logout")
    assert _spray(proxied_app.test_client(), "198.51.100.20", LIMIT) == [200] * LIMIT


# --- Shared counters (Redis) ---------------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

WORKER = textwrap.dedent(
    """
    import json, sys, uuid
    from app import create_app
    from app.extensions import db
    from config import TestConfig

    database, storage, prefix, count, create = sys.argv[1:6]

    class Worker(TestConfig):
        SQLALCHEMY_DATABASE_URI = database
        RATELIMIT_STORAGE_URI = storage
        RATELIMIT_KEY_PREFIX = prefix
        LOGIN_RATE_LIMIT = "3 per minute"

    app = create_app(Worker)
    if create == "1":
        with app.app_context():
            db.create_all()
    client = app.test_client()
    emails = [uuid.uuid4().hex + "@example.org" for _ in range(int(count))]
    statuses = [client.post("/login", data={"email": e, "password": "raté"}).status_code for e in emails]
    print(json.dumps(statuses))
    """
)


def _worker(tmp_path, storage, prefix, count, create=False) -> list[int]:
    """One process, as one gunicorn worker (or another server) would be."""
    result = subprocess.run(
        [sys.executable, "-c", WORKER, f"sqlite:///{tmp_path / 'shared.sqlite'}", storage, prefix, str(count),
         "1" if create else "0"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_server():
    redis = pytest.importorskip("redis", reason="the redis client is a dependency (pyproject.toml)")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"No Redis answering at {REDIS_URL} ({exc}): shared rate limits not tested")
    prefix = f"passerelle-test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)


def test_failures_are_counted_across_workers_through_redis(tmp_path, redis_server):
    prefix = redis_server
    assert _worker(tmp_path, REDIS_URL, prefix, 3, create=True) == [200, 200, 200]
    # Another process (worker or server) with the same storage sees the same count.
    assert _worker(tmp_path, REDIS_URL, prefix, 1) == [429]


def test_memory_storage_counts_per_process(tmp_path):
    """What Redis is for: with memory:// each worker counts on its own (so the README says Redis)."""
    assert _worker(tmp_path, "memory://", "p", 3, create=True) == [200, 200, 200]
    assert _worker(tmp_path, "memory://", "p", 1) == [200]
