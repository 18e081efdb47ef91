"""The demo's data files (isk/demo_data): the seed plans and the region's wording."""

from __future__ import annotations

from importlib import resources


def read_demo_file(name: str) -> str:
    return resources.files("isk.demo_data").joinpath(name).read_text(encoding="utf-8")
