"""briefing: news articles in, cited bullet-point briefs out."""

from __future__ import annotations

__version__ = "0.1.0"
