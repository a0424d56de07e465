"""Procedure content packs: load, validate, list and audit the clinical content of a consult.

The packs are TOML files (``resources/procedures/`` built in, the data folder's ``packs/`` for
the clinic's own); the format is described in ``docs/content-packs.md``.

The names below are imported from their modules when first used (PEP 562): the window imports
``Pack`` for its types at start, and reads the packs (the loader, TOML, the checks) only after
its first paint (issue 16: start-up).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from consult_aid.content.catalog import (
        CatalogEntry,
        PackCatalog,
        builtin_packs_dir,
        load_catalog,
    )
    from consult_aid.content.errors import PackError, PackProblem, UnknownPackError
    from consult_aid.content.loader import load_pack
    from consult_aid.content.model import (
        AfterTrial,
        ChecklistItem,
        ComparisonQuestion,
        Condition,
        Frequency,
        Handout,
        HandoutSection,
        Item,
        ItemKind,
        Option,
        Pack,
        RedFlag,
        Reference,
    )
    from consult_aid.content.placeholders import PLACEHOLDERS, fill_placeholders

_MODULE_OF = {
    **dict.fromkeys(("CatalogEntry", "PackCatalog", "builtin_packs_dir", "load_catalog"),
                    "catalog"),
    **dict.fromkeys(("PackError", "PackProblem", "UnknownPackError"), "errors"),
    "load_pack": "loader",
    **dict.fromkeys(("AfterTrial", "ChecklistItem", "ComparisonQuestion", "Condition",
                     "Frequency", "Handout", "HandoutSection", "Item", "ItemKind", "Option",
                     "Pack", "RedFlag", "Reference"), "model"),
    **dict.fromkeys(("PLACEHOLDERS", "fill_placeholders"), "placeholders"),
}

__all__ = [
    "PLACEHOLDERS",
    "AfterTrial",
    "CatalogEntry",
    "ChecklistItem",
    "ComparisonQuestion",
    "Condition",
    "Frequency",
    "Handout",
    "HandoutSection",
    "Item",
    "ItemKind",
    "Option",
    "Pack",
    "PackCatalog",
    "PackError",
    "PackProblem",
    "RedFlag",
    "Reference",
    "UnknownPackError",
    "builtin_packs_dir",
    "fill_placeholders",
    "load_catalog",
    "load_pack",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
