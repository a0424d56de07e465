"""Fold text for search so that "Muller" finds "Müller", "Lukasz" finds "Łukasz".

SQLite's ``remove_diacritics`` handles letters that decompose (ü = u + ¨) but not letters
that are distinct in Unicode (Ł, Ø, Đ, ß, Æ) nor Greek accents; this folds those too. It is
registered on every connection as the SQL function ``consult_fold`` and used by the triggers
that maintain the search index, and applied in Python to what the user types.
"""

from __future__ import annotations

import unicodedata

_SPECIAL = str.maketrans({
    "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
    "Þ": "Th", "þ": "th", "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
    "ı": "i", "Ħ": "H", "ħ": "h", "ſ": "s", "ŉ": "n",
})


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
