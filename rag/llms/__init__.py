"""Chat models, chosen by name: `local` (llama.cpp), `openai` (any compatible server), `fake`.

Each is a LangChain chat model, so the answer chain streams from all of them the same way.

    registry.py       get_llm(settings), describe, explain: the backends by name
    base.py           LLMError, Backend (one registration), the streaming LangChain adapter
    llama.py          local: llama.cpp, loaded once per process, under a lock; preload
    model_file.py     local: the default GGUF, assembled from its packages and sha256-checked
    openai_compat.py  openai: ChatOpenAI that notices a server lost mid-answer
    fake.py           fake: scripted replies, else an extractive answer from the sources
"""

from rag.llms.base import Backend, LLMError
from rag.llms.fake import FakeChatModel
from rag.llms.llama import GENERATION_LOCK, LlamaCppChat, load_llama, preload
from rag.llms.model_file import MODEL_FILE, cache_dir, ensure_local_model, local_model_path
from rag.llms.openai_compat import lost_mid_answer
from rag.llms.registry import BACKENDS, LLMS, ONE_AT_A_TIME, describe, explain, get_llm

__all__ = [
    "BACKENDS",
    "GENERATION_LOCK",
    "LLMS",
    "MODEL_FILE",
    "ONE_AT_A_TIME",
    "Backend",
    "FakeChatModel",
    "LLMError",
    "LlamaCppChat",
    "cache_dir",
    "describe",
    "ensure_local_model",
    "explain",
    "get_llm",
    "load_llama",
    "local_model_path",
    "lost_mid_answer",
    "preload",
]
