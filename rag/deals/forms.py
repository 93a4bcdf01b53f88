"""Who fills the deal form: the local model under a JSON-schema grammar, a server, or a script."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.deals.mentions import DEAL_TYPES, SYSTEM, FormFiller, user_prompt
from rag.deals.money import Money
from rag.llms import GENERATION_LOCK, LLMError, ensure_local_model, load_llama

# Either the short "no deal" form, or every field: the grammar lets the model stop after
# {"deal": false}, which is most candidates, in about six tokens.
GRAMMAR_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "object",
            "properties": {"deal": {"const": False}},
            "required": ["deal"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "deal": {"const": True},
                "type": {"type": "string", "enum": list(DEAL_TYPES)},
                "buyers": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
                "lead": {"type": ["string", "null"]},
                "target": {"type": ["string", "null"]},
                "amount": {"type": "integer", "minimum": 0, "maximum": 9},
                "valuation": {"type": "integer", "minimum": 0, "maximum": 9},
            },
            "required": ["deal", "type", "buyers", "lead", "target", "amount", "valuation"],
            "additionalProperties": False,
        },
    ]
}
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
        path = Path(self.settings.llm_model).expanduser() if self.settings.llm_model else None
        if path is not None and not path.is_file():
            raise LLMError(f"local LLM: NEWSRAG_LLM_MODEL={path} is not a file.")
        return load_llama(
            path or ensure_local_model(), self.settings.llm_context, self.settings.llm_threads
        )

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]:
        llama = self._llama()
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user_prompt(sentence, amounts)},
        ]
        with GENERATION_LOCK:
            out = llama.create_chat_completion(
                messages=messages,
                response_format={"type": "json_object", "schema": GRAMMAR_SCHEMA},
                temperature=0.0,
                max_tokens=MAX_FORM_TOKENS,
            )
        self.calls += 1
        return _parse(out["choices"][0]["message"]["content"] or "")


class ServerForms:
    """An OpenAI-compatible server, asked for the same JSON schema (`response_format`)."""

    def __init__(self, settings: Settings) -> None:
        from rag.llms import get_llm

        self.llm = get_llm(settings).bind(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "deal_form", "schema": GRAMMAR_SCHEMA},
            }
        )

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        reply = self.llm.invoke(
            [SystemMessage(SYSTEM), HumanMessage(user_prompt(sentence, amounts))]
        )
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
