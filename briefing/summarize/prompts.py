"""Prompt templates: Jinja2 files in prompts/, versioned, user folder first.

Each task (``article_facts``, ``story_bullets``, ``top_lines``) has two
templates, ``<task>.system.j2`` and ``<task>.user.j2``. Each file starts with a
``{# version: N #}`` comment; the task's version is that number (or
``"<system>+<user>"`` when the two differ) and goes into brief.json. The cache
key also takes a hash of the template sources, so editing a prompt without
bumping its version never serves a stale cached answer.

A user's prompts folder (``[paths] prompts``) is searched first, file by file,
then the bundled one, so overriding a single template is enough. Templates are
rendered with ``StrictUndefined``: a missing variable raises ``TemplateError``
naming the template instead of silently sending an incomplete prompt.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from briefing.errors import TemplateError
from briefing.render.environment import render_template
from briefing.resources import prompts_dir

TASKS = ("article_facts", "story_bullets", "top_lines")
_VERSION = re.compile(r"\A\s*\{#\s*version:\s*([A-Za-z0-9._-]+)\s*#\}")


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """One task's messages, ready to send; ``fingerprint`` identifies the template sources."""

    task: str
    system: str
    user: str
    version: str
    fingerprint: str


class PromptLibrary:
    """Loads, versions and renders the prompt templates."""

    def __init__(self, user_dir: Path | None = None, *, language: str = "English") -> None:
        #: The language lines are to be written in, by name: every template gets it
        #: as ``language`` ("German").
        self.language = language
        folders = [str(user_dir)] if user_dir is not None else []
        folders.append(str(prompts_dir()))
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # prompts are plain text; untrusted text is fenced by the caller
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._versions: dict[str, tuple[str, str]] = {}

    def version(self, task: str) -> str:
        """The declared version of ``task``'s templates."""
        return self._meta(task)[0]

    def versions(self) -> dict[str, str]:
        """Task -> version, for brief.json."""
        return {task: self.version(task) for task in TASKS}

    def render(self, task: str, **context: Any) -> RenderedPrompt:
        """Render ``task``'s system and user messages with ``context``."""
        version, fingerprint = self._meta(task)
        context = {"language": self.language, **context}
        return RenderedPrompt(
            task=task,
            system=self._render(f"{task}.system.j2", context),
            user=self._render(f"{task}.user.j2", context),
            version=version,
            fingerprint=fingerprint,
        )

    def _meta(self, task: str) -> tuple[str, str]:
        if task not in self._versions:
            names = (f"{task}.system.j2", f"{task}.user.j2")
            sources = [self._source(name) for name in names]
            versions = [self._declared_version(name, source) for name, source in zip(
                names, sources, strict=True)]
            version = versions[0] if versions[0] == versions[1] else "+".join(versions)
            digest = hashlib.sha256("\0".join(sources).encode("utf-8")).hexdigest()[:16]
            self._versions[task] = (version, digest)
        return self._versions[task]

    def _source(self, name: str) -> str:
        try:
            source, _, _ = self._env.loader.get_source(self._env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound as error:
            raise TemplateError(f"prompt template {name!r} not found") from error
        return source

    @staticmethod
    def _declared_version(name: str, source: str) -> str:
        match = _VERSION.match(source)
        if match is None:
            raise TemplateError(
                f"prompt template {name!r} must start with a version comment,"
                " e.g. {# version: 1 #}"
            )
        return match.group(1)

    def _render(self, name: str, context: dict[str, Any]) -> str:
        return render_template(self._env, name, context, kind="prompt template").strip()
