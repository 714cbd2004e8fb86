"""Choosing and building the summarizer for a run: extractive, or LLM through the SDK.

"auto" picks the LLM engine when an endpoint is configured anywhere: ``[llm]
base_url`` in briefing.toml, ``OPENAI_BASE_URL``, or an API key for OpenAI's
own endpoint (``OPENAI_API_KEY``, or the variable ``[llm] api_key_env`` names).
Otherwise the extractive engine runs, and the brief says so.

The key is read from the environment only, handed to the SDK and to the
scrubber, and never stored or logged. Local servers (Ollama, llama.cpp, vLLM,
LM Studio) need no key; the SDK insists on one, so they get a placeholder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from briefing.config import ENGINES, Config
from briefing.errors import SummarizerError
from briefing.languages import language_name
from briefing.storage import Storage
from briefing.summarize.base import Summarizer
from briefing.summarize.extractive import ExtractiveSummarizer

if TYPE_CHECKING:
    # The LLM side (openai, pydantic, httpx, jsonschema) is imported only when chosen:
    # an extractive build never pays for it.
    from briefing.summarize.llm import LLMSummarizer, RetryPolicy

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Sent as the key to servers that need none (the SDK refuses to run without one).
PLACEHOLDER_KEY = "not-needed"


@dataclass(frozen=True, slots=True)
class Endpoint:
    base_url: str
    api_key: str | None

    @property
    def label(self) -> str:
        """The base URL without credentials or query, safe to store and show."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def resolve_endpoint(config: Config, environ: Mapping[str, str] | None = None) -> Endpoint | None:
    """The configured endpoint, or None when nothing points at one."""
    env = os.environ if environ is None else environ
    key = env.get(config.llm.api_key_env) or None
    base_url = config.llm.base_url or env.get("OPENAI_BASE_URL") or None
    if base_url:
        return Endpoint(base_url, key)
    if key:
        return Endpoint(DEFAULT_BASE_URL, key)
    return None


def make_summarizer(
    config: Config,
    store: Storage | None,
    *,
    engine: str | None = None,
    model: str | None = None,
    retry: RetryPolicy | None = None,
    environ: Mapping[str, str] | None = None,
    language: str | None = None,
) -> Summarizer:
    """The summarizer for ``engine`` (default: ``config.brief.engine``), writing in
    ``language`` (default: ``[brief] language``; the offline engine cannot translate)."""
    choice = engine or config.brief.engine
    if choice not in ENGINES:
        raise SummarizerError(f"unknown engine {choice!r} (choose one of {', '.join(ENGINES)})")
    if choice == "extractive":
        return ExtractiveSummarizer(config.limits)
    endpoint = resolve_endpoint(config, environ)
    if endpoint is None:
        if choice == "llm":
            raise SummarizerError(
                "the llm engine needs an endpoint: set [llm] base_url in briefing.toml, "
                f"OPENAI_BASE_URL, or {config.llm.api_key_env} for OpenAI"
            )
        return ExtractiveSummarizer(config.limits)
    return _llm_summarizer(config, store, endpoint, model or config.llm.model, retry,
                           language or config.brief.language)


def _llm_summarizer(
    config: Config,
    store: Storage | None,
    endpoint: Endpoint,
    model: str,
    retry: RetryPolicy | None,
    language: str = "en",
) -> LLMSummarizer:
    import openai

    from briefing.summarize.llm import ChatEndpoint, LLMSummarizer, RetryPolicy
    from briefing.summarize.llm_log import LLMLog
    from briefing.summarize.prompts import PromptLibrary
    from briefing.summarize.transport import http_client

    secrets = (endpoint.api_key,) if endpoint.api_key else ()

    def client() -> openai.OpenAI:
        # Made on the first request, so choosing the engine costs nothing.
        return openai.OpenAI(
            api_key=endpoint.api_key or PLACEHOLDER_KEY,
            base_url=endpoint.base_url,
            timeout=config.llm.timeout,
            max_retries=0,  # retries are ours: bounded, with jitter, and recorded
            # Answers are read as a stream and cut off past max_response_bytes.
            http_client=http_client(config.llm.max_response_bytes, config.llm.timeout),
        )

    log_ = LLMLog(store, secrets)
    chat = ChatEndpoint(
        client,
        endpoint=endpoint.label,
        model=model,
        llm=config.llm,
        log_=log_,
        retry=retry or RetryPolicy(max_retries=config.llm.max_retries),
        secrets=secrets,
    )
    return LLMSummarizer(
        chat,
        llm=config.llm,
        limits=config.limits,
        prompts=PromptLibrary(config.paths.prompts, language=language_name(language)),
        log_=log_,
        language=language,
    )
