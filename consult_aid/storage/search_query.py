"""Turn what a clinician types into a safe FTS5 query (no FTS syntax errors, prefix matching)."""

from __future__ import annotations

import re

from consult_aid.storage.folding import fold

_TOKEN = re.compile(r"[^\s\"]+")


def fts_query(text: str) -> str | None:
    """``müller 0012`` -> ``"müller"* "0012"*``; None when there is nothing to search for.

    Each word is quoted (so ``-``, ``:``, ``AND`` and friends are plain text) and matched as a
    prefix, and all words must match.
    """
    words = _TOKEN.findall(fold(text) or "")
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words[:20])
