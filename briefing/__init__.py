"""briefing: news articles in, cited bullet-point briefs out.

The public API is what this module exports (``__all__``); everything else is
internal and may change. A program builds and publishes briefs like the CLI::

    from briefing import load_config, publish

    config = load_config()                      # ./briefing.toml, or the defaults
    result = publish(config, "default", send=False)
    print(result.build.brief.coverage, result.build.folder)

Names are imported on first use, so ``import briefing`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from briefing.brief import (
        AlsoNoted,
        Brief,
        BriefBullet,
        BriefStory,
        BulletOrigin,
        PreviousBrief,
        SourceRef,
        read_brief_json,
    )
    from briefing.config import Config, load_config
    from briefing.errors import (
        BriefingError,
        ConfigError,
        NoArticlesError,
        NothingNewError,
        RenderError,
        SourceError,
        StoreError,
        SummarizerError,
        TemplateError,
    )
    from briefing.pipeline import BuildResult
    from briefing.pipeline import build_brief as build
    from briefing.publishing import Delivery, PublishResult, publish, send
    from briefing.summarize.base import Summarizer
    from briefing.types import Article, Bullet, Story, StorySummary

#: public name -> (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    "load_config": ("briefing.config", "load_config"),
    "Config": ("briefing.config", "Config"),
    "build": ("briefing.pipeline", "build_brief"),
    "BuildResult": ("briefing.pipeline", "BuildResult"),
    "publish": ("briefing.publishing", "publish"),
    "send": ("briefing.publishing", "send"),
    "PublishResult": ("briefing.publishing", "PublishResult"),
    "Delivery": ("briefing.publishing", "Delivery"),
    "Brief": ("briefing.brief", "Brief"),
    "BriefStory": ("briefing.brief", "BriefStory"),
    "BriefBullet": ("briefing.brief", "BriefBullet"),
    "SourceRef": ("briefing.brief", "SourceRef"),
    "AlsoNoted": ("briefing.brief", "AlsoNoted"),
    "PreviousBrief": ("briefing.brief", "PreviousBrief"),
    "BulletOrigin": ("briefing.brief", "BulletOrigin"),
    "read_brief_json": ("briefing.brief", "read_brief_json"),
    "Summarizer": ("briefing.summarize.base", "Summarizer"),
    "Article": ("briefing.types", "Article"),
    "Story": ("briefing.types", "Story"),
    "StorySummary": ("briefing.types", "StorySummary"),
    "Bullet": ("briefing.types", "Bullet"),
    "BriefingError": ("briefing.errors", "BriefingError"),
    "ConfigError": ("briefing.errors", "ConfigError"),
    "SourceError": ("briefing.errors", "SourceError"),
    "NoArticlesError": ("briefing.errors", "NoArticlesError"),
    "NothingNewError": ("briefing.errors", "NothingNewError"),
    "StoreError": ("briefing.errors", "StoreError"),
    "TemplateError": ("briefing.errors", "TemplateError"),
    "RenderError": ("briefing.errors", "RenderError"),
    "SummarizerError": ("briefing.errors", "SummarizerError"),
}

__all__ = [
    "AlsoNoted",
    "Article",
    "Brief",
    "BriefBullet",
    "BriefStory",
    "BriefingError",
    "BuildResult",
    "Bullet",
    "BulletOrigin",
    "Config",
    "ConfigError",
    "Delivery",
    "NoArticlesError",
    "NothingNewError",
    "PreviousBrief",
    "PublishResult",
    "RenderError",
    "SourceError",
    "SourceRef",
    "StoreError",
    "Story",
    "StorySummary",
    "Summarizer",
    "SummarizerError",
    "TemplateError",
    "__version__",
    "build",
    "load_config",
    "publish",
    "read_brief_json",
    "send",
]



def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'briefing' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
