"""Deals: mentions of acquisitions, mergers, funding rounds and stakes, extracted from the news.

Layers, lowest first: `money` (amounts and currencies) -> `mentions` (candidate sentences,
the form the model fills, field checks) -> `merge` (mentions -> deals) -> `storage` (Chroma +
a derived SQLite table) -> `query` (filters for the CLI, the chat and its Deals tab).
"""
