"""Turn what a clinician types into a safe FTS5 query (no FTS syntax errors, prefix matching)."""

from __future__ import annotations

import re

from consult_aid.storage.folding import fold

_TOKEN = re.compile(r"[^\s\"]+")
_SHORT_TAIL = re.compile(r"\W+\w$")  # "mrn-0": a last part of one letter or digit


def _whole(word: str, min_length: int) -> str:
    """``word`` without a last part shorter than ``min_length`` ("mrn-0" -> "mrn")."""
    if min_length > 1 and (tail := _SHORT_TAIL.search(word)) and tail.start() > 0:
        return word[:tail.start()]
    return word


def fts_query(text: str, *, min_length: int = 1) -> str | None:
    """``müller 0012`` -> ``"müller"* "0012"*``; None when there is nothing to search for.

    Each word is quoted (so ``-``, ``:``, ``AND`` and friends are plain text) and matched as a
    prefix, and all words must match. Words shorter than ``min_length`` are left out (the
    archive searches a word from its second letter: one letter matches nearly every consult).
    """
    words = [_whole(w, min_length) for w in _TOKEN.findall(fold(text) or "")]
    words = [w for w in words if len(w) >= min_length]
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words[:20])
