"""A mock upstream that speaks the three dialects the gateway relays: OpenAI (`/v1/...`), Ollama native
(`/api/...`) and Anthropic (`/v1/messages`), streaming included. Keys decide the answer: `bad-*` keys are
rejected (401), `limited-*` keys are rate-limited (429); every other key succeeds.

Streams send PIECES in order with a short pause between chunks, so the clients really read a stream."""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECES = ["Hel", "lo", ", ", "wor", "ld", "!"]
MODELS = [{"id": "llama3.2:1b", "object": "model", "created": 1, "owned_by": "mock"},
          {"id": "qwen3:8b", "object": "model", "created": 1, "owned_by": "mock"}]
# Served by `/v1/models/{id}` but not in the list: the gateway must forward ids its cached list lacks.
EXTRA_MODELS = [{"id": "unlisted:7b", "object": "model", "created": 2, "owned_by": "mock"}]
PAUSE = 0.01


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # -- plumbing -----------------------------------------------------------------------------------------

    def body(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def key(self):
        auth = self.headers.get("authorization") or ""
        return auth[7:] if auth.lower().startswith("bearer ") else ""

    def send_json(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self, content_type):
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

    def chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
        time.sleep(PAUSE)

    def end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def refuse(self, path):
        key = self.key()
        status = 401 if key.startswith("bad-") else 429 if key.startswith("limited-") else 0
        if not status:
            return False
        message = "invalid api key" if status == 401 else "rate limit reached"
        if path.startswith("/api/"):
            payload = {"error": message}
        elif path.endswith("/v1/messages"):
            payload = {"type": "error", "error": {"type": "authentication_error", "message": message}}
        else:
            payload = {"error": {"message": message, "type": "mock", "code": None}}
        self.send_json(status, payload, {"retry-after": "30"} if status == 429 else None)
        return True

    # -- routes ---------------------------------------------------------------------------------------------

    def do_GET(self):
        path = self.path.split("?")[0]
        if self.refuse(path):
            return
        if path.endswith("/v1/models"):
            self.send_json(200, {"object": "list", "data": MODELS})
        elif "/v1/models/" in path:
            wanted = path.split("/v1/models/", 1)[1]
            found = [model for model in MODELS + EXTRA_MODELS if model["id"] == wanted]
            if found:
                self.send_json(200, found[0])
            else:
                self.send_json(404, {"error": {"message": "The model '%s' does not exist" % wanted,
                                               "type": "invalid_request_error", "code": "model_not_found"}})
        elif path == "/api/tags":
            self.send_json(200, {"models": [{"name": "llama3.2:1b", "model": "llama3.2:1b",
                                             "modified_at": "2026-01-01T00:00:00Z", "size": 1, "digest": "abc",
                                             "details": {"format": "gguf", "family": "llama"}}]})
        elif path == "/api/version":
            self.send_json(200, {"version": "0.12.0"})
        elif path == "/api/ps":
            self.send_json(200, {"models": []})
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        path = self.path.split("?")[0]
        request = self.body()
        if self.refuse(path):
            return
        model = request.get("model", "m")
        if path.endswith("/v1/chat/completions"):
            self.openai_chat(request, model)
        elif path.endswith("/v1/completions"):
            self.send_json(200, {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": model,
                                 "choices": [{"index": 0, "text": "".join(PIECES), "finish_reason": "stop",
                                              "logprobs": None}],
                                 "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9}})
        elif path.endswith("/v1/embeddings"):
            self.send_json(200, {"object": "list", "model": model,
                                 "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
                                 "usage": {"prompt_tokens": 2, "total_tokens": 2}})
        elif path.endswith("/v1/messages/count_tokens"):
            self.send_json(200, {"input_tokens": 7})
        elif path.endswith("/v1/messages"):
            self.anthropic(request, model)
        elif path.endswith("/v1/responses"):
            self.openai_responses(request, model)
        elif path in ("/api/chat", "/api/generate"):
            self.ollama_generate(request, model, chat=path == "/api/chat")
        elif path == "/api/embed":
            self.send_json(200, {"model": model, "embeddings": [[0.1, 0.2, 0.3]], "prompt_eval_count": 2})
        elif path == "/api/show":
            self.send_json(200, {"modelfile": "FROM " + model, "parameters": "", "template": "{{ .Prompt }}",
                                 "details": {"format": "gguf", "family": "llama", "parameter_size": "1B"},
                                 "model_info": {"general.architecture": "llama"}, "capabilities": ["completion"]})
        else:
            self.send_json(404, {"error": "not found"})

    def openai_chat(self, request, model):
        if not request.get("stream"):
            self.send_json(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": "".join(PIECES)}}],
                                 "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9}})
            return
        self.start_stream("text/event-stream")
        for piece in PIECES:
            event = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.chunk("data: " + json.dumps(event) + "\n\n")
        final = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": [],
                 "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9}}
        self.chunk("data: " + json.dumps(final) + "\n\n")
        self.chunk("data: [DONE]\n\n")
        self.end_stream()

    def ollama_generate(self, request, model, chat):
        def line(piece, done):
            payload = {"model": model, "created_at": "2026-01-01T00:00:00Z", "done": done}
            if chat:
                payload["message"] = {"role": "assistant", "content": piece}
            else:
                payload["response"] = piece
            if done:
                payload.update({"done_reason": "stop", "total_duration": 1, "prompt_eval_count": 3,
                                "eval_count": len(PIECES)})
            return payload

        if request.get("stream", True) is False:
            self.send_json(200, line("".join(PIECES), True))
            return
        self.start_stream("application/x-ndjson")
        for piece in PIECES:
            self.chunk(json.dumps(line(piece, False)) + "\n")
        self.chunk(json.dumps(line("", True)) + "\n")
        self.end_stream()

    def openai_responses(self, request, model):
        text = "".join(PIECES)
        usage = {"input_tokens": 3, "output_tokens": 6, "total_tokens": 9,
                 "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}
        message = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
                   "content": [{"type": "output_text", "text": text, "annotations": []}]}
        response = {"id": "resp_1", "object": "response", "created_at": 1, "model": model, "status": "completed",
                    "output": [message], "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
                    "usage": usage}
        if not request.get("stream"):
            self.send_json(200, response)
            return
        self.start_stream("text/event-stream")
        sequence = 0

        def event(name, payload):
            nonlocal sequence
            payload = dict(payload, type=name, sequence_number=sequence)
            sequence += 1
            self.chunk("event: %s\ndata: %s\n\n" % (name, json.dumps(payload)))

        started = dict(response, status="in_progress", output=[], usage=None)
        event("response.created", {"response": started})
        for piece in PIECES:
            event("response.output_text.delta", {"item_id": "msg_1", "output_index": 0, "content_index": 0,
                                                 "delta": piece, "logprobs": []})
        event("response.completed", {"response": response})
        self.end_stream()

    def anthropic(self, request, model):
        usage_in = {"input_tokens": 3, "output_tokens": 0}
        if not request.get("stream"):
            self.send_json(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                                 "content": [{"type": "text", "text": "".join(PIECES)}],
                                 "stop_reason": "end_turn", "stop_sequence": None,
                                 "usage": {"input_tokens": 3, "output_tokens": 6}})
            return
        self.start_stream("text/event-stream")

        def event(name, payload):
            self.chunk("event: %s\ndata: %s\n\n" % (name, json.dumps(payload)))

        event("message_start", {"type": "message_start", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": usage_in}})
        event("content_block_start", {"type": "content_block_start", "index": 0,
                                      "content_block": {"type": "text", "text": ""}})
        for piece in PIECES:
            event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                          "delta": {"type": "text_delta", "text": piece}})
        event("content_block_stop", {"type": "content_block_stop", "index": 0})
        event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": len(PIECES)}})
        event("message_stop", {"type": "message_stop"})
        self.end_stream()


def serve(port=0):
    """Starts the mock on 127.0.0.1 in a background thread; returns the server (its port in server_address)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    server = serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(server.server_address[1], flush=True)
    threading.Event().wait()
