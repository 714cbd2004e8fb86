"""Secrets from the environment: ``${NAME}`` in a configured value is read at use.

The config file names environment variables, never their values: a feed's
``Authorization = "Bearer ${PAYWALL_TOKEN}"`` and a channel's
``"slack://${SLACK_TOKEN}/#news"`` are expanded only when the request or the
post is made, and the expanded text is never logged, stored or put in an error
(errors name the variable, not its value).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from briefing.errors import BriefingError

#: ``${NAME}``: a POSIX environment variable name in braces.
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingSecretError(BriefingError):
    """A ``${NAME}`` a value needs is not set in the environment."""


def references(template: str) -> list[str]:
    """The environment variables ``template`` names, in order."""
    return REFERENCE.findall(template)


def expand(template: str, where: str, environ: Mapping[str, str] | None = None) -> str:
    """``template`` with every ``${NAME}`` replaced by the variable's value.

    Raises ``MissingSecretError`` naming ``where`` and the variable (never a value)
    when one is unset or empty.
    """
    env = os.environ if environ is None else environ

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = env.get(name, "")
        if not found:
            raise MissingSecretError(f"{where}: environment variable {name} is not set")
        return found

    return REFERENCE.sub(value, template)
