"""The sign-in settings: bounds, secrets kept out of logs, keys rotated."""

from __future__ import annotations

import pytest

from tribe_service.auth.signed_tokens import TokenInvalidError, TokenSigner
from tribe_service.config import ConfigError, load_settings

OLD_KEY, NEW_KEY = "o" * 40, "n" * 40


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ACCESS_TOKEN_TTL_SECONDS": "901"}, "ACCESS_TOKEN_TTL_SECONDS must be between 1 and 900"),
        ({"ACCESS_TOKEN_TTL_SECONDS": "0"}, "ACCESS_TOKEN_TTL_SECONDS must be between 1 and 900"),
        ({"REFRESH_TOKEN_TTL_SECONDS": "60"}, "REFRESH_TOKEN_TTL_SECONDS must be longer"),
        ({"REFRESH_REUSE_GRACE_SECONDS": "-1"}, "REFRESH_REUSE_GRACE_SECONDS must not be negative"),
        ({"SESSION_SECRET": "short"}, "SESSION_SECRET: every key must be at least 32"),
        ({"GITHUB_TOKEN_URL": "ftp://x"}, "GITHUB_TOKEN_URL must be an http(s) URL"),
    ],
)
def test_bad_sign_in_settings_stop_start_up_with_one_line(environ, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(environ)


def test_secrets_never_show_in_the_settings_repr():
    settings = load_settings(
        {
            "SESSION_SECRET": OLD_KEY,
            "GITHUB_CLIENT_SECRET": "gh-secret-value",
            "GITHUB_CLIENT_ID": "id",
        }
    )
    text = repr(settings)
    assert OLD_KEY not in text and "gh-secret-value" not in text
    assert "session_secret='***'" in text and "github_client_id='id'" in text


def test_production_without_a_session_secret_turns_sign_in_off():
    assert load_settings({"ENVIRONMENT": "production"}).sessions_enabled is False
    production = load_settings({"ENVIRONMENT": "production", "SESSION_SECRET": OLD_KEY})
    assert production.sessions_enabled is True
    assert load_settings({"ENVIRONMENT": "development"}).sessions_enabled is True


def test_a_new_key_put_first_signs_while_the_old_one_still_verifies():
    old = TokenSigner([OLD_KEY])
    rotated = TokenSigner(load_settings({"SESSION_SECRET": f"{NEW_KEY},{OLD_KEY}"}).session_secrets)
    issued_before = old.sign({"sub": "u"}, "tribe-api", 60)
    assert rotated.verify(issued_before, "tribe-api")["sub"] == "u"
    issued_after = rotated.sign({"sub": "u"}, "tribe-api", 60)
    with pytest.raises(TokenInvalidError):
        old.verify(issued_after, "tribe-api")  # signed with the new key
    retired = TokenSigner([NEW_KEY])  # the old key dropped: its tokens are over
    with pytest.raises(TokenInvalidError):
        retired.verify(issued_before, "tribe-api")
