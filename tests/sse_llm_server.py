"""A tiny OpenAI-compatible chat server for tests, that can crash in the middle of an answer.

    python tests/sse_llm_server.py PORT [--reply TEXT] [--die-after N] [--delay S] [--close-ends]
                                        [--sure P | --no-logprobs]

It speaks the part of the OpenAI API that newsrag uses: `GET /v1/models` and
`POST /v1/chat/completions`, either as one JSON response or, with `"stream": true`, as server-sent
events over HTTP/1.1 chunked transfer encoding, as llama.cpp's server, vLLM and Ollama do. Every
answer is `--reply`, sent a word per event. With `--die-after N` the process kills itself with
SIGKILL after streaming N words of an answer: the operating system closes the connection with the
answer half sent, exactly as when a real server crashes or is killed by the OOM killer. With
`--close-ends` a stream is not chunked but ended by closing the connection (HTTP/1.0 style), so
that a crash looks like the normal end of the stream but for the missing finish_reason.
Asked for `logprobs`, a stream gives each word the probability `--sure` (as OpenAI does, in the
chunk's `logprobs.content`); with `--no-logprobs` a request that names `logprobs` or
`top_logprobs` at all gets HTTP 400, as from a server that does not know the parameters.
"""

from __future__ import annotations

import argparse
import http.server
import json
import math
import os
import re
import signal
import time
from typing import Any

REPLY = "MiniMax is seeking at least $600 million [1]."


def _event(data: dict[str, Any] | str) -> bytes:
    body = data if isinstance(data, str) else json.dumps(data)
    return f"data: {body}\n\n".encode()


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    reply = REPLY
    die_after = 0
    delay = 0.0
    close_ends = False
    sure = 0.9
    no_logprobs = False

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send_json(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _write_chunk(self, data: bytes) -> None:
        if self.close_ends:
            self.wfile.write(data)
        else:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send_json(200, {"object": "list", "data": [{"id": "test", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        model = request.get("model", "test")
        if self.no_logprobs and ({"logprobs", "top_logprobs"} & set(request)):
            message = "Unrecognized request argument supplied: logprobs"
            self._send_json(400, {"error": {"message": message, "type": "invalid_request_error"}})
            return
        if not request.get("stream"):
            message = {"role": "assistant", "content": self.reply}
            self._send_json(200, {
                "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            })  # fmt: skip
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        if self.close_ends:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._write_chunk(_event(_chunk(model, {"role": "assistant", "content": ""})))
        words = re.findall(r"\S+\s*", self.reply)
        for n, word in enumerate(words, 1):
            time.sleep(self.delay)
            chunk = _chunk(model, {"content": word})
            if request.get("logprobs"):
                item = {"token": word, "logprob": math.log(self.sure), "bytes": None}
                chunk["choices"][0]["logprobs"] = {"content": [{**item, "top_logprobs": []}]}
            self._write_chunk(_event(chunk))
            if n == self.die_after:
                os.kill(os.getpid(), signal.SIGKILL)
        self._write_chunk(_event(_chunk(model, {}, "stop")))
        usage = _chunk(model, {})
        usage["choices"] = []
        usage["usage"] = {"prompt_tokens": 10, "completion_tokens": len(words),
                          "total_tokens": 10 + len(words)}  # fmt: skip
        self._write_chunk(_event(usage))
        self._write_chunk(_event("[DONE]"))
        if not self.close_ends:
            self._write_chunk(b"")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--reply", default=REPLY)
    parser.add_argument("--die-after", type=int, default=0, help="SIGKILL itself after N words.")
    parser.add_argument("--delay", type=float, default=0.0, help="Seconds before each word.")
    parser.add_argument("--close-ends", action="store_true", help="End streams by closing.")
    parser.add_argument("--sure", type=float, default=0.9, help="Each word's probability.")
    parser.add_argument("--no-logprobs", action="store_true", help="HTTP 400 for logprobs.")
    args = parser.parse_args()
    Handler.reply, Handler.die_after, Handler.delay = args.reply, args.die_after, args.delay
    Handler.close_ends, Handler.sure, Handler.no_logprobs = (
        args.close_ends,
        args.sure,
        args.no_logprobs,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on http://127.0.0.1:{args.port}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
