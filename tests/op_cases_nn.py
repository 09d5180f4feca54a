"""Property-test cases for the ops defined by ``minigrad.nn.functional`` (filled by the nn work)."""

from __future__ import annotations
