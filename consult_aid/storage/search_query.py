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


def search_words(text: str, *, min_length: int = 1) -> list[str]:
    """The folded words searched for in ``text`` (at most 20; see :func:`fts_query`)."""
    words = [_whole(w, min_length) for w in _TOKEN.findall(fold(text) or "")]
    return [w for w in words if len(w) >= min_length][:20]


_PARTS = re.compile(r"[^\W_]+")  # what FTS5's unicode61 keeps of a word: runs of letters, digits


def tsquery(text: str, *, min_length: int = 1) -> str | None:
    """The PostgreSQL full-text query (``to_tsquery('simple', ...)``) that finds what
    :func:`fts_query` finds in SQLite: every word a prefix, a word of several parts
    ("mrn-0012") those parts in a row; None when there is nothing to search for.

    The server's index (``consult_search_words`` in migrations_pg) holds the same folded,
    lower-cased runs of letters and digits as FTS5's tokenizer makes."""
    words = search_words(text, min_length=min_length)
    if not words:
        return None
    phrases = []
    for word in words:
        parts = _PARTS.findall(word.lower())
        if parts:
            phrases.append(" <-> ".join(f"'{p}'" for p in parts[:-1])
                           + (" <-> " if len(parts) > 1 else "") + f"'{parts[-1]}':*")
    if not phrases:  # only punctuation typed: FTS5 finds nothing for it, and nor does this
        return "('0' & !'0')"
    return " & ".join(f"({p})" for p in phrases)


def fts_query(text: str, *, min_length: int = 1) -> str | None:
    """``müller 0012`` -> ``"müller"* "0012"*``; None when there is nothing to search for.

    Each word is quoted (so ``-``, ``:``, ``AND`` and friends are plain text) and matched as a
    prefix, and all words must match. Words shorter than ``min_length`` are left out (the
    archive searches a word from its second letter: one letter matches nearly every consult).
    """
    words = search_words(text, min_length=min_length)
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)
