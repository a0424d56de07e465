"""Fold text for search so that "Muller" finds "Müller", "Lukasz" finds "Łukasz", and the
German spellings "Mueller", "Moeller", "Baecker" find "Müller", "Möller", "Bäcker" (and back).

SQLite's ``remove_diacritics`` handles letters that decompose (ü = u + ¨) but not letters
that are distinct in Unicode (Ł, Ø, Đ, ß, Æ) nor Greek accents; this folds those too. It is
registered on every connection as the SQL function ``consult_fold`` and used by the triggers
that maintain the search index, and applied in Python to what the user types, so the stored
search text and the query are always folded the same way.

German: ä, ö, ü are written ae, oe, ue where the letters are missing, and ß as ss. After the
accents are gone, "ae", "oe", "ue" are folded to "a", "o", "u" (so "Müller", "Mueller" and
"Muller" all become "Muller") and ß to "ss". The fold keeps prefixes: the fold of the start
of a word is the start of the word's fold, so what is typed so far still matches.

:data:`FOLD_VERSION` names this fold; the search index records the version it was built with
and is rebuilt when it differs (``consult_aid.storage.consults.refresh_search_index``).
"""

from __future__ import annotations

import re
import unicodedata

FOLD_VERSION = 2  # raise whenever fold() returns something different for some text

_SPECIAL = str.maketrans({
    "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
    "Þ": "Th", "þ": "th", "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
    "ı": "i", "Ħ": "H", "ħ": "h", "ſ": "s", "ŉ": "n", "ẞ": "SS",
})
# a, o, u followed by e (ae, oe, ue: the German way to write ä, ö, ü): the e's go
_GERMAN_E = re.compile(r"([aouAOU])[eE]+")


# Runs of characters outside ASCII: only they can be combining marks, so only they are looked
# at one by one (the search index folds a consult's whole text on every autosave; issue 16)
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _without_marks(run: re.Match[str]) -> str:
    return "".join(ch for ch in run.group() if not unicodedata.combining(ch))


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    plain = decomposed if decomposed.isascii() else _NOT_ASCII.sub(_without_marks, decomposed)
    return _GERMAN_E.sub(r"\1", plain)
