"""Consult Aid: informed-decision consults for implanted pain therapies."""

from __future__ import annotations

__version__ = "0.1.0"
