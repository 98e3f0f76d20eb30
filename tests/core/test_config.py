"""Start-up configuration, checked the way an operator starts the app (a fresh process)."""

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db
from config import DevelopmentConfig, ProductionConfig, TestConfig

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")


def _operator_env(tmp_path, **values) -> dict:
    """A clean environment: what an operator exports, nothing inherited from the test run."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'instance' / 'passerelle.sqlite'}"
    env.update(values)
    return env


def _check_config(env) -> subprocess.CompletedProcess:
    """`gunicorn --check-config wsgi:app`: loads the app as a server would, then exits (0 = it starts)."""
    return subprocess.run(
        [str(GUNICORN), "--check-config", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _strong_key() -> str:
    return secrets.token_urlsafe(48)


def test_production_starts_with_a_strong_key_given_at_start_up(tmp_path):
    env = _operator_env(
        tmp_path,
        PASSERELLE_ENV="production",
        SECRET_KEY=_strong_key(),
        BASE_URL="https://passerelle.example.org",
    )
    result = _check_config(env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_with_flask_cli_uses_the_key_given(tmp_path):
    key = _strong_key()
    env = _operator_env(
        tmp_path, PASSERELLE_ENV="production", SECRET_KEY=key, BASE_URL="https://passerelle.example.org"
    )
    result = subprocess.run(
        [str(FLASK), "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "auth.login" in result.stdout


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "dev-only-not-secret"}, "development value"),
        ({"SECRET_KEY": "short-key"}, "shorter than 16"),
        ({"SECRET_KEY": "ab" * 20}, "too few distinct"),
        ({"BASE_URL": "http://passerelle.example.org"}, "BASE_URL must be the public https://"),
        ({"BASE_URL": ""}, "BASE_URL must be the public https://"),
    ],
)
def test_production_refuses_to_start_with_a_clear_message(tmp_path, values, message):
    env = _operator_env(
        tmp_path, PASSERELLE_ENV="production", SECRET_KEY=_strong_key(), BASE_URL="https://p.example.org"
    )
    env.update(values)
    result = _check_config(env)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_an_unknown_environment_name_stops_with_a_clear_error(tmp_path):
    result = _check_config(_operator_env(tmp_path, PASSERELLE_ENV="prod", SECRET_KEY=_strong_key()))
    assert result.returncode != 0
    assert "Unknown PASSERELLE_ENV='prod'" in result.stdout + result.stderr


def test_production_key_is_read_when_the_app_is_created(monkeypatch, tmp_path):
    """Not when config.py was imported: the key in the environment at start-up signs the sessions."""
    key = _strong_key()
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("BASE_URL", "https://passerelle.example.org/")

    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite'}"

    app = create_app(Production)
    assert app.config["SECRET_KEY"] == key
    assert app.config["BASE_URL"] == "https://passerelle.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["passerelle.example.org"]


# --- CSRF in the real configurations (issue 18, point 7) ---------------------------------------


def _csrf_refusal(app, base_url: str):
    with app.test_client() as client:
        response = client.post(
            "/login", data={"email": "a@example.org", "password": "whatever pass"}, base_url=base_url
        )
    return response


@pytest.mark.parametrize("config_class", [DevelopmentConfig, ProductionConfig])
def test_real_configurations_protect_forms_with_csrf(config_class, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", _strong_key())
    monkeypatch.setenv("BASE_URL", "https://passerelle.example.org")

    class Config(config_class):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'csrf.sqlite'}"

    app = create_app(Config)
    assert app.config["WTF_CSRF_ENABLED"] is True
    base_url = "https://passerelle.example.org" if config_class is ProductionConfig else "http://127.0.0.1:5000"
    response = _csrf_refusal(app, base_url)
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


# --- Private SQLite files (issue 19, point 13) ---------------------------------------------------


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_sqlite_database_and_its_folder_are_private(tmp_path):
    folder = tmp_path / "instance"
    path = folder / "passerelle.sqlite"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    old_umask = os.umask(0o022)  # the usual umask: files 0644, folders 0755 unless told otherwise
    try:
        app = create_app(Config)
        with app.app_context():
            with _db.engine.begin() as conn:
                conn.execute(text("CREATE TABLE t (x INTEGER)"))
                conn.execute(text("INSERT INTO t VALUES (1)"))
                assert _mode(folder) == 0o700
                assert _mode(path) == 0o600
                for suffix in ("-wal", "-shm"):
                    assert os.path.exists(f"{path}{suffix}"), suffix
                    assert _mode(f"{path}{suffix}") == 0o600, suffix
            _db.engine.dispose()
    finally:
        os.umask(old_umask)


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "old.sqlite"
    path.touch()
    os.chmod(path, 0o644)
    folder_mode = _mode(tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    create_app(Config)
    assert _mode(path) == 0o600
    assert _mode(tmp_path) == folder_mode  # a folder the app did not create is left alone
