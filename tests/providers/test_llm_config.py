"""Per-task routing, fallbacks, and where each model's endpoint and key come from."""

from __future__ import annotations

import pytest

from gtm.errors import ConfigError
from gtm.providers.llm import LLMNotConfiguredError, llm_mode, route_for
from gtm.settings import load_settings


def test_no_model_is_template_mode(gtm_home) -> None:
    settings = load_settings()
    assert llm_mode(settings) == "template" and llm_mode(settings, "judge") == "template"
    with pytest.raises(LLMNotConfiguredError, match="GTM_LLM_MODEL_JUDGE"):
        route_for(settings, "judge")


def test_task_override_then_default_then_fallbacks(gtm_home) -> None:
    settings = load_settings(llm_model="openai/gpt-4o-mini",
                             llm_model_drafting="anthropic/claude-3-5-sonnet-latest",
                             llm_fallbacks=["openai/gpt-4o-mini", "ollama/llama3.1"])
    drafting = route_for(settings, "drafting")
    assert [t.model for t in drafting.targets] == [
        "anthropic/claude-3-5-sonnet-latest", "openai/gpt-4o-mini", "ollama/llama3.1"]
    judge = route_for(settings, "judge")
    assert [t.model for t in judge.targets] == ["openai/gpt-4o-mini", "ollama/llama3.1"]


def test_only_a_task_model_makes_only_that_task_llm(gtm_home) -> None:
    settings = load_settings(llm_model_column_mapping="ollama/llama3.1",
                             llm_api_base="http://127.0.0.1:11434")
    assert llm_mode(settings, "column_mapping") == "llm"
    assert llm_mode(settings, "drafting") == "template" and llm_mode(settings) == "template"
    target = route_for(settings, "column_mapping").primary
    assert (target.provider, target.api_base) == ("ollama", "http://127.0.0.1:11434")


def test_endpoint_and_key_belong_to_the_default_models_provider(gtm_home) -> None:
    settings = load_settings(llm_model="ollama/llama3.1", llm_api_base="http://gpu-box:11434",
                             llm_api_key="k-123", llm_fallbacks=["anthropic/claude-3-5-haiku"])
    local, remote = route_for(settings, "research").targets
    assert (local.api_base, local.api_key, local.provider_key) == (
        "http://gpu-box:11434", "k-123", "ollama@http://gpu-box:11434")
    assert (remote.api_base, remote.api_key, remote.provider_key) == (None, None, "anthropic")


def test_unknown_task_is_a_config_error(gtm_home) -> None:
    with pytest.raises(ConfigError, match="unknown LLM task 'poetry'"):
        route_for(load_settings(llm_model="openai/x"), "poetry")


def test_llm_settings_come_from_toml_and_env_with_the_key_env_only(gtm_home, tmp_path,
                                                                   monkeypatch) -> None:
    config = tmp_path / "gtm.toml"
    config.write_text('[llm]\nmodel = "openai/gpt-4o-mini"\nfallbacks = ["ollama/llama3.1"]\n'
                      "concurrency = 16\n")
    monkeypatch.setenv("GTM_CONFIG", str(config))
    monkeypatch.setenv("GTM_LLM_MODEL_JUDGE", "openai/gpt-4o")
    settings = load_settings()
    assert (settings.llm_model, settings.llm_fallbacks, settings.llm_concurrency,
            settings.llm_model_judge) == ("openai/gpt-4o-mini", ["ollama/llama3.1"], 16,
                                          "openai/gpt-4o")
    config.write_text('[llm]\napi_key = "sk-nope"\n')
    with pytest.raises(ConfigError, match="GTM_LLM_API_KEY"):
        load_settings()
