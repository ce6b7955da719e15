"""A local stand-in for an OpenAI-compatible server's Chat Completions endpoint.

It follows the published contract (POST /v1/chat/completions with a bearer key; a
chat.completion object back; errors as {"error": {...}} with the HTTP status), so the real
openai client talks to it over real HTTP. Tests script its answers and read what it got.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant message content; None: answer by `decide`
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


def completion(content: str, model: str) -> dict:
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


class StandIn:
    """Answers each transaction with `decide(txn, categories) -> (category, confidence)`."""

    def __init__(self, decide: Callable[[dict, list[str]], tuple[str | None, float]]):
        self.decide = decide
        self.script: list[Reply] = []
        self.requests: list[dict] = []  # {"headers": {...}, "body": {...}, "raw": str}
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                standin.requests.append(
                    {
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "raw": raw,
                        "body": json.loads(raw),
                        "path": self.path,
                    }
                )
                if self.path != "/v1/chat/completions":
                    return self._send(
                        404, {"error": {"message": "not found", "type": "invalid_request_error"}}
                    )
                if self.headers.get("authorization") != "Bearer test-key":
                    return self._send(
                        401, {"error": {"message": "bad key", "type": "invalid_request_error"}}
                    )
                reply = standin.script.pop(0) if standin.script else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    return self._send(
                        reply.status,
                        {"error": {"message": "scripted", "type": "server_error", "code": None}},
                        reply.headers,
                    )
                body = json.loads(raw)
                content = reply.content
                if content is None:
                    asked = json.loads(body["messages"][-1]["content"])
                    results = []
                    for txn in asked["transactions"]:
                        category, confidence = standin.decide(txn, asked["categories"])
                        results.append(
                            {"ref": txn["ref"], "category": category, "confidence": confidence}
                        )
                    content = json.dumps({"results": results})
                self._send(200, completion(content, body["model"]), reply.headers)

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> "StandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
