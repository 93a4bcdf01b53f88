"""Deals: mentions of acquisitions, mergers, funding rounds and stakes, extracted from the news.

Layers, lowest first: `money` (amounts and currencies) -> `filter` (candidate sentences) and
`cues` (stage and dates) -> `names` (party names) -> `roles` (sides) -> `references` ("it",
"the company"), `lists` (lists of investors) and `prompt` (what the model reads) -> `mentions`
(the form the model fills, field checks) -> `merge` (mentions -> deals) -> `storage` (Chroma +
a derived SQLite table) -> `query` (filters for the CLI, the chat and its Deals tab).
"""
