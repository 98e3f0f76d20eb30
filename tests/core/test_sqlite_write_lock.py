"""SQLite: requests that may write take the write lock when their transaction begins."""

from app.core.database import _may_write


def test_only_unsafe_methods_begin_immediate(app):
    assert _may_write() is False  # no request: CLI, tests
    for method, expected in (("GET", False), ("HEAD", False), ("OPTIONS", False), ("POST", True)):
        with app.test_request_context("/", method=method):
            assert _may_write() is expected
