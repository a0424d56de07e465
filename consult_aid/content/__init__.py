"""Procedure content packs: load, validate, list and audit the clinical content of a consult.

The packs are TOML files (``resources/procedures/`` built in, the data folder's ``packs/`` for
the clinic's own); the format is described in ``docs/content-packs.md``.
"""

from __future__ import annotations

from consult_aid.content.catalog import CatalogEntry, PackCatalog, builtin_packs_dir, load_catalog
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
