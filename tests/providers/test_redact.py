"""Secrets never reach the AI log: shapes, literal values of the process's secrets, secret keys."""

from __future__ import annotations

import re
import string

from gtm.providers.llm import redact
from gtm.providers.llm.redact import MASK, Redactor
from gtm.settings import load_settings


def test_common_credential_shapes_are_masked() -> None:
    r = Redactor()
    text = ("openai sk-proj-abcDEF1234567890xyz, anthropic sk-ant-api03-AAAAAAAAAAAAAAAA, "
            "Authorization: Bearer abc.def-ghi_12345678, api_key=hunter2hunter2, "
            "aws AKIAABCDEFGHIJKLMNOP, gh ghp_abcdefghijklmnopqrstuvwxyz0123456789, "
            "dsn postgresql://gtm:s3cret-pass@db.example:5432/gtm")
    masked = r.text(text)
    for secret in ("sk-proj-abcDEF1234567890xyz", "sk-ant-api03-AAAAAAAAAAAAAAAA",
                   "abc.def-ghi_12345678", "hunter2hunter2", "AKIAABCDEFGHIJKLMNOP",
                   "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "s3cret-pass"):
        assert secret not in masked
    assert "api_key=" + MASK in masked and "postgresql://gtm:" + MASK + "@db.example" in masked


def test_ordinary_text_is_left_alone() -> None:
    text = "Ask about the task list; the skeleton key idea; max_tokens=300; Bearer of news"
    assert Redactor().text(text) == text


def test_values_of_settings_secrets_and_credential_env_vars_are_masked(gtm_home) -> None:
    settings = load_settings(llm_api_key="plainkey-without-shape-42",
                             database_url="postgresql://u:pw-in-url-99@h/db")
    r = Redactor.from_settings(settings, environ={"EXA_API_KEY": "exa-9f8e7d6c5b",
                                                   "HOME": "/root/some/long/path",
                                                   "SHORT_TOKEN": "abc"})
    masked = r.text("use plainkey-without-shape-42 and exa-9f8e7d6c5b from /root/some/long/path")
    assert "plainkey-without-shape-42" not in masked and "exa-9f8e7d6c5b" not in masked
    assert "/root/some/long/path" in masked  # not a credential variable
    assert r.text("abc") == "abc"  # too short to mask without masking ordinary words


def test_nested_values_and_secret_named_keys() -> None:
    value = {"messages": [{"role": "user", "content": "key sk-abcdefghijklmnop1234"}],
             "params": {"extra_headers": {"Authorization": "Basic dXNlcjpwYXNz", "X-Trace": "t1"},
                        "api_key": "whatever-it-is", "max_tokens": 300}}
    masked = Redactor().value(value)
    assert masked["messages"][0]["content"] == f"key {MASK}"
    assert masked["params"]["extra_headers"] == {"Authorization": MASK, "X-Trace": "t1"}
    assert masked["params"]["api_key"] == MASK and masked["params"]["max_tokens"] == 300


def test_overlapping_shapes_mask_the_secret_once_and_keep_what_each_shape_keeps() -> None:
    r = Redactor()
    # Patterns apply in turn, each on the text the previous ones left.
    assert r.text("Bearer sk-abcdefghijklmnop1234") == f"Bearer {MASK}"
    assert r.text("api_key=sk-abcdefghijklmnop1234") == f"api_key={MASK}"
    assert r.text("password: postgresql://gtm:s3cret@db/gtm") == f"password: {MASK}"
    assert (r.text("https://bot:sk-abcdefghijklmnop1234@api.example/v1?token=ghp_"
                   + "a" * 36) == f"https://bot:{MASK}@api.example/v1?token={MASK}")
    assert r.text("secret=AKIAABCDEFGHIJKLMNOP and xoxb-1234567890-abc") == (
        f"secret={MASK} and {MASK}")


def test_keywords_spelled_with_unicode_case_variants_are_still_masked() -> None:
    # IGNORECASE matches dotless i and long s to i and s; str.lower() does not.
    r = Redactor()
    assert r.text("PAſſWORD=hunter2hunter2") == f"PAſſWORD={MASK}"
    assert r.text("apı_key: abcdef123456, ſecret=xyz987654") == f"apı_key: {MASK}, ſecret={MASK}"
    assert r.text("Привет, password = пароль123; ok") == f"Привет, password = {MASK}; ok"


def test_skipping_a_pattern_never_skips_a_match() -> None:
    """The literal pre-checks only skip work: output equals running every pattern in turn."""
    texts = [
        "plain prose about sales, keys and tokens, secrets and passwords",
        "Bearer abcdefgh12345678 then BEARER zyxwvuts87654321",
        "ACCESS-TOKEN: t0k3n-value, Api-Key=KEY123456789, SECRET:shh",
        "İ am apİ_key=abc123456789 and Access_Token=ſecretvalue1",
        "PAſſWORD: x1y2z3w4 (spelled with a long s)",
        "jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4fw tail",
        "ASIAABCDEFGHIJKLMNOP ghs_" + "B" * 30 + " xoxp-abcdefghij-1",
        "redis://:pw@cache:6379 and mysql://root:root@db/app — готово",
    ]
    r = Redactor()
    for text in texts:
        expected = redact._URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
        for pattern, _, _ in redact._PATTERNS:
            expected = pattern.sub(redact._mask_match, expected)
        assert r.text(text) == expected, text


def test_odd_case_lists_every_character_lower_does_not_fold_like_ignorecase() -> None:
    every_char = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    odd = {char for letter in string.ascii_lowercase
           for char in re.findall(f"(?i){letter}", every_char) if char.lower() != letter}
    assert odd == set(redact._ODD_CASE)
