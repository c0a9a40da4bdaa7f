"""URL-safe slugs of generated names (usernames, repositories, demo hosts)."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """``"Next.js"`` -> ``"next-js"``, ``"Müller"`` -> ``"muller"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
