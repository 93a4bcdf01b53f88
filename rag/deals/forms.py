"""Who fills the deal form: the local model under a JSON-schema grammar, a server, or a script."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from rag.config import Settings
from rag.deals.mentions import DEAL_TYPES, SYSTEM, FormFiller, user_prompt
from rag.deals.money import Money
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
        form = json.loads(text)
    except json.JSONDecodeError:
        return {"deal": False}  # cut short at MAX_FORM_TOKENS: no deal rather than a guess
    return form if isinstance(form, dict) else {"deal": False}


class LocalForms:
    """The local llama.cpp model, the same loaded instance the chat uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.calls = 0

    def _llama(self) -> Any:
        return load_llama(
            local_model_path(self.settings), self.settings.llm_context, self.settings.llm_threads
        )

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]:
        llama = self._llama()
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user_prompt(sentence, amounts)},
        ]
        with GENERATION_LOCK:
            # No state cache while filling forms: consecutive forms share their prefix in the
            # live context anyway, and saving the model state after each one (the chat's cache,
            # rag.llms.load_llama) took a sixth of the extraction time.
            cache, llama.cache = llama.cache, None
            try:
                out = llama.create_chat_completion(
                    messages=messages,
                    response_format={
                        "type": "json_object",
                        "schema": form_schema(sentence, amounts),
                    },
                    temperature=0.0,
                    max_tokens=MAX_FORM_TOKENS,
                )
            finally:
                llama.cache = cache
        self.calls += 1
        return _parse(out["choices"][0]["message"]["content"] or "")


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
