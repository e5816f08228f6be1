"""Secrets never reach the AI log: shapes, literal values of the process's secrets, secret keys."""

from __future__ import annotations

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
