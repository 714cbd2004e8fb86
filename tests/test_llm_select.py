"""Choosing the engine: auto, extractive, llm; endpoints from the config or environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import BriefSettings, Config, LLMConfig, PathSettings
from briefing.errors import SummarizerError, TemplateError
from briefing.summarize.extractive import ExtractiveSummarizer
from briefing.summarize.llm import LLMSummarizer
from briefing.summarize.select import make_summarizer, resolve_endpoint

LOCAL = "http://127.0.0.1:9/v1"  # nothing is sent in these tests


def config(engine: str = "auto", **llm: object) -> Config:
    return Config(brief=BriefSettings(engine=engine), llm=LLMConfig(**llm))  # type: ignore[arg-type]


def test_auto_without_an_endpoint_is_extractive() -> None:
    summarizer = make_summarizer(config(), None)
    assert isinstance(summarizer, ExtractiveSummarizer)
    assert summarizer.engine == "extractive"
    assert getattr(summarizer, "prompt_versions", {}) == {}


def test_auto_with_a_base_url_is_the_llm() -> None:
    summarizer = make_summarizer(config(base_url=LOCAL, model="llama3"), None)
    assert isinstance(summarizer, LLMSummarizer)
    assert summarizer.engine == "llm:llama3"
    assert summarizer.prompt_versions["story_bullets"]


def test_the_model_flag_wins() -> None:
    summarizer = make_summarizer(config(base_url=LOCAL), None, model="qwen2.5")
    assert summarizer.engine == "llm:qwen2.5"


def test_sdk_environment_variables_configure_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", LOCAL)
    assert isinstance(make_summarizer(config(), None), LLMSummarizer)
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-123456")
    endpoint = resolve_endpoint(config())
    assert endpoint is not None and endpoint.base_url == "https://api.openai.com/v1"
    assert isinstance(make_summarizer(config(), None), LLMSummarizer)


def test_a_custom_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_LLM_KEY", "sk-test-custom-123456")
    endpoint = resolve_endpoint(config(api_key_env="MY_LLM_KEY", base_url=LOCAL))
    assert endpoint is not None and endpoint.api_key == "sk-test-custom-123456"
    assert resolve_endpoint(config(api_key_env="MY_LLM_KEY")) is not None


def test_the_endpoint_label_carries_no_credentials() -> None:
    endpoint = resolve_endpoint(config(base_url="https://user:pw@llm.example.com:8443/v1/?key=x"))
    assert endpoint is not None
    assert endpoint.label == "https://llm.example.com:8443/v1"


def test_llm_without_an_endpoint_is_a_one_line_error() -> None:
    with pytest.raises(SummarizerError) as raised:
        make_summarizer(config(), None, engine="llm")
    message = str(raised.value)
    assert "\n" not in message and "base_url" in message and "OPENAI_API_KEY" in message


def test_extractive_is_honoured_even_with_an_endpoint() -> None:
    summarizer = make_summarizer(config(engine="extractive", base_url=LOCAL), None)
    assert isinstance(summarizer, ExtractiveSummarizer)
    assert isinstance(make_summarizer(config(base_url=LOCAL), None, engine="extractive"),
                      ExtractiveSummarizer)


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(SummarizerError, match="gpt"):
        make_summarizer(config(), None, engine="gpt")


def test_a_broken_user_prompt_fails_before_any_story(tmp_path: Path) -> None:
    (tmp_path / "story_bullets.user.j2").write_text(
        "{# version: 2 #}\n{{ headline }} {{ articles }}", encoding="utf-8")
    broken = Config(llm=LLMConfig(base_url=LOCAL), paths=PathSettings(prompts=tmp_path))
    with pytest.raises(TemplateError, match=r"story_bullets\.user\.j2.*articles"):
        make_summarizer(broken, None)
