"""Which model serves which task: per-task models, fallbacks, endpoint and key, from settings.

`GTM_LLM_API_BASE` and `GTM_LLM_API_KEY` belong to the provider of `GTM_LLM_MODEL` (or, when only
per-task models are set, of the task's model): a fallback on
another provider (say Anthropic behind a local Ollama) must not be sent to Ollama's address or
receive its key, so it uses litellm's own defaults and environment variables instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gtm.errors import ConfigError
from gtm.settings import Settings

TASKS = ("drafting", "judge", "research", "classification", "column_mapping")
LLMMode = Literal["llm", "template"]


class LLMNotConfiguredError(ConfigError):
    """No model is configured for a task: the system is in template mode."""


@dataclass(frozen=True)
class ModelTarget:
    """One model as called: litellm model string, its provider and where to reach it."""

    model: str
    provider: str
    api_base: str | None = None
    api_key: str | None = None

    @property
    def provider_key(self) -> str:
        """Limits and the circuit breaker are per endpoint: two OpenAI-compatible servers are two
        providers even though litellm calls both `openai`."""
        return f"{self.provider}@{self.api_base}" if self.api_base else self.provider


@dataclass(frozen=True)
class Route:
    """The models a task tries, in order: its own model, then the configured fallbacks."""

    task: str
    targets: tuple[ModelTarget, ...]

    @property
    def primary(self) -> ModelTarget:
        return self.targets[0]


def provider_of(model: str) -> str:
    """The provider prefix of a litellm model string (`openai/gpt-4o` -> `openai`).

    A bare name (`gpt-4o-mini`) is what litellm resolves to OpenAI, so it is reported as such.
    """
    prefix, sep, _ = model.partition("/")
    return prefix if sep else "openai"


def task_model(settings: Settings, task: str) -> str | None:
    """The model configured for `task`: its override, else `GTM_LLM_MODEL`, else None."""
    if task not in TASKS:
        raise ConfigError(f"unknown LLM task {task!r}; known tasks: {', '.join(TASKS)}")
    return getattr(settings, f"llm_model_{task}") or settings.llm_model


def llm_mode(settings: Settings, task: str | None = None) -> LLMMode:
    """`llm` when a model is configured (for `task`, or by default), else `template`."""
    model = task_model(settings, task) if task else settings.llm_model
    return "llm" if model else "template"


def route_for(settings: Settings, task: str) -> Route:
    """The route of `task`; raises `LLMNotConfiguredError` in template mode."""
    model = task_model(settings, task)
    if not model:
        raise LLMNotConfiguredError(
            f"no LLM model configured for task {task!r} (set GTM_LLM_MODEL or "
            f"GTM_LLM_MODEL_{task.upper()}): GTM runs in template mode and uses prompt-pack "
            "templates instead of calling a model"
        )
    names = [model, *(m for m in settings.llm_fallbacks if m != model)]
    home = provider_of(settings.llm_model or model)
    return Route(task=task, targets=tuple(_target(settings, name, home) for name in names))


def _target(settings: Settings, model: str, home_provider: str) -> ModelTarget:
    provider = provider_of(model)
    own = provider == home_provider
    key = settings.llm_api_key.get_secret_value() if own and settings.llm_api_key else None
    return ModelTarget(model=model, provider=provider,
                       api_base=settings.llm_api_base if own else None, api_key=key)
