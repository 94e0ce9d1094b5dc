"""The token never reaches a log line: message, arguments, exception text, stack, any logger."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logsafe import REDACTED, RedactingFilter, install_redaction, secret_forms

TOKEN = "123456:AAE-secret_Token-value"
KEY = TOKEN.split(":", 1)[1]


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger tree with one stream handler, the way basicConfig sets up the root."""
    root = logging.getLogger("logsafe-test")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    root.propagate = False
    install_redaction([TOKEN], root)
    yield root, stream
    root.removeHandler(handler)


def test_every_form_of_the_token_is_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    root, stream = captured
    library = root.getChild("telegram.ext.ExtBot")  # a library's logger, propagating up
    library.debug("Calling Bot API endpoint `getMe` at https://api.telegram.org/bot%s/getMe", TOKEN)
    library.info("HTTP Request: POST %(url)s", {"url": f"http://127.0.0.1/bot{TOKEN}/getUpdates"})
    library.warning(f"token in the message itself: {TOKEN}")
    library.warning("url-encoded: bot123456%3AAAE-secret_Token-value and the key alone: " + KEY)
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        library.exception("failed")
    library.error("with a stack", stack_info=True, extra={"unused": TOKEN})
    output = stream.getvalue()
    assert TOKEN not in output
    assert KEY not in output
    assert "%3AAAE" not in output
    assert output.count(REDACTED) >= 6
    assert "RuntimeError: request to /bot[REDACTED]/sendMessage failed" in output
    assert "https://api.telegram.org/bot[REDACTED]/getMe" in output


def test_records_without_secrets_are_untouched(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    root, stream = captured
    root.info("ready: %d decks, %s", 3, "database data/quiz.sqlite3")
    assert stream.getvalue() == "INFO logsafe-test: ready: 3 decks, database data/quiz.sqlite3\n"


def test_a_broken_format_string_is_still_logged_and_redacted() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d " + TOKEN, ("nan",), None)
    assert RedactingFilter([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert REDACTED in record.getMessage()


def test_short_secrets_are_not_treated_as_secrets() -> None:
    assert secret_forms(["abc", ""]) == []
    assert "123456%3AAAE-secret_Token-value" in secret_forms([TOKEN])
