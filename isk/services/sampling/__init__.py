"""Stickprov: the statistics, reading a population, the draw, storing it, and the worklist.

`stats` (sample sizes and evaluation), `population` (the streaming reader), `draw` (the
reproducible draw), `samples` (a control's stored stickprov) and `worklist` (the XLSX the
controller fills in) are used as modules.
"""
