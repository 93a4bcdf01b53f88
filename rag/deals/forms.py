"""Who fills the deal form: the local model under a JSON-schema grammar, a server, or a script."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from rag.config import Settings
from rag.deals.mentions import DEAL_TYPES
from rag.deals.money import Money
from rag.deals.prompt import SYSTEM, FormFiller, user_prompt
from rag.llms import GENERATION_LOCK, LLMError, explain, load_llama, local_model_path

_NO_DEAL: dict[str, Any] = {
    "type": "object",
    "properties": {"deal": {"const": False}},
    "required": ["deal"],
    "additionalProperties": False,
}
_FIELDS: dict[str, Any] = {
    "deal": {"const": True},
    "type": {"type": "string", "enum": list(DEAL_TYPES)},
    "buyers": {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 4},
    "lead": {"anyOf": [{"type": "string", "maxLength": 60}, {"type": "null"}]},
    "target": {"anyOf": [{"type": "string", "maxLength": 60}, {"type": "null"}]},
    "amount": {"type": "integer", "enum": list(range(10))},
    "valuation": {"type": "integer", "enum": list(range(10))},
}
_LEAD_WORD = re.compile(r"\b(?:lead|leads|led|leading)\b", re.IGNORECASE)
_VALUATION_WORD = re.compile(r"\bvalu(?:e|ed|es|ing|ation)\b", re.IGNORECASE)


def form_schema(sentence: str, amounts: list[Money]) -> dict[str, Any]:
    """The JSON schema the model's reply must follow for this sentence.

    Either the short "no deal" form, which most candidates get in about six tokens, or the
    deal form with only the fields this sentence can fill: no amount field without an amount
    to pick, no lead without a word for leading, no valuation without a word for value. The
    model writes about 13 tokens a second on 2 cores, so every field left out saves time.
    """
    keep = ["deal", "type", "buyers", "target"]
    if _LEAD_WORD.search(sentence):
        keep.insert(3, "lead")
    properties = {k: _FIELDS[k] for k in keep}
    if amounts:
        # One of the numbered amounts, or 0 for none: one token, not a number the model makes up.
        pick = {"type": "integer", "enum": list(range(min(len(amounts), 9) + 1))}
        keep.append("amount")
        properties["amount"] = pick
        if _VALUATION_WORD.search(sentence):
            keep.append("valuation")
            properties["valuation"] = pick
    deal = {
        "type": "object",
        "properties": properties,
        "required": keep,
        "additionalProperties": False,
    }
    return {"anyOf": [_NO_DEAL, deal]}


GRAMMAR_SCHEMA = {"anyOf": [_NO_DEAL, {"type": "object", "properties": _FIELDS,
                  "required": list(_FIELDS), "additionalProperties": False}]}  # fmt: skip
MAX_FORM_TOKENS = 120


def _parse(text: str) -> dict[str, Any]:
    try:
        form = json.loads(text, strict=False)  # the grammar lets raw newlines into strings
    except json.JSONDecodeError:
        return {"deal": False}  # cut short at MAX_FORM_TOKENS: no deal rather than a guess
    return form if isinstance(form, dict) else {"deal": False}


FORM_SLOTS = 8  # forms decoded together: 93 forms took 151 s at 1, 118 s at 4, 110 s at 8


class LocalForms:
    """The local llama.cpp model (the weights the chat uses), filling forms `FORM_SLOTS` at a
    time on a context of its own (`rag.llms.batch.FormBatch`)."""

    def __init__(self, settings: Settings, slots: int = FORM_SLOTS) -> None:
        self.settings = settings
        self.slots = slots
        self.calls = 0
        self._batch: Any = None

    def _forms(self) -> Any:
        if self._batch is None:
            from rag.llms.batch import FormBatch

            settings = self.settings
            llama = load_llama(
                local_model_path(settings), settings.llm_context, settings.llm_threads
            )
            try:
                self._batch = FormBatch(llama, SYSTEM, slots=self.slots, max_tokens=MAX_FORM_TOKENS)
            except RuntimeError as exc:
                raise LLMError(f"deal extraction: local LLM: {exc}") from None
        return self._batch

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]:
        return self.fill_many([(sentence, amounts)])[0]

    def fill_many(self, items: Sequence[tuple[str, list[Money]]]) -> list[dict[str, Any]]:
        """The forms of many sentences, in order; faster than one at a time."""
        if not items:
            return []
        prompts = [(user_prompt(s, a), form_schema(s, a)) for s, a in items]
        with GENERATION_LOCK:
            forms = self._forms()
        try:
            # The lock is held one decode step at a time: the chat can answer while ingest
            # fills a group of forms.
            replies = forms.run(prompts, lock=GENERATION_LOCK)
        except RuntimeError as exc:
            raise LLMError(f"deal extraction: local LLM: {exc}") from None
        self.calls += len(items)
        return [_parse(text) for text in replies]


class ServerForms:
    """An OpenAI-compatible server, asked for the same JSON schema (`response_format`)."""

    def __init__(self, settings: Settings) -> None:
        from rag.llms import get_llm

        self.settings = settings
        self.llm = get_llm(settings).bind(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "deal_form", "schema": GRAMMAR_SCHEMA},
            }
        )  # one schema for every sentence: a server may compile and cache it

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        try:
            reply = self.llm.invoke(
                [SystemMessage(SYSTEM), HumanMessage(user_prompt(sentence, amounts))]
            )
        except Exception as exc:
            raise LLMError(f"deal extraction: {explain(exc, self.settings)}") from None
        return _parse(str(reply.content))


class ScriptedForms:
    """A fake filler for tests: the first scripted form whose key occurs in the sentence."""

    def __init__(self, script: dict[str, dict[str, Any]] | None = None) -> None:
        self.script = dict(script or {})
        self.seen: list[str] = []

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]:
        self.seen.append(sentence)
        for key, form in self.script.items():
            if key in sentence:
                return form
        return {"deal": False}


def fill_all(fill: FormFiller, items: Sequence[tuple[str, list[Money]]]) -> list[dict[str, Any]]:
    """Each sentence's form, all at once where the filler can (`fill_many`), else in turn."""
    many = getattr(fill, "fill_many", None)
    if many is not None:
        return list(many(items))
    return [fill(sentence, amounts) for sentence, amounts in items]


FILLERS: dict[str, Callable[[Settings], FormFiller]] = {
    "local": LocalForms,
    "openai": ServerForms,
    "fake": lambda settings: ScriptedForms(),
}


def get_form_filler(settings: Settings) -> FormFiller:
    """The form filler for `settings.llm`."""
    try:
        return FILLERS[settings.llm](settings)
    except KeyError:
        raise LLMError(
            f"unknown LLM {settings.llm!r}: choose one of {', '.join(FILLERS)}."
        ) from None
