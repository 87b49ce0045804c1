"""What the mock upstream answers, in each dialect: normal answers (plain and streamed, as whole events or lines)
and error bodies. The error bodies carry `SECRET_MARKER` and the key, so a test sees an upstream answer leak."""

import json

SECRET_MARKER = "upstream-secret-never-shown-7f3a9c"
PIECES = ["Hel", "lo", ", ", "wor", "ld", "!"]


def dialect_of(path):
    """`openai`, `ollama` or `anthropic`, from the upstream path (provider prefixes stripped)."""
    if path.endswith("/v1/messages"):
        return "anthropic"
    if path.startswith("/api/"):
        return "ollama"
    return "openai"


def error_payload(dialect, status, key):
    message = "mock upstream refuses with %d (%s; key %s)" % (status, SECRET_MARKER, key)
    if dialect == "ollama":
        return {"error": message}
    if dialect == "anthropic":
        return {"type": "error", "error": {"type": "api_error", "message": message}}
    return {"error": {"message": message, "type": "mock_error", "param": None, "code": str(status)}}


def plain_answer(path, model, text):
    """The non-streamed answer of `path` with `text` as the content."""
    if path.endswith("/v1/messages"):
        return {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 3, "output_tokens": 6}}
    if path in ("/api/chat", "/api/generate"):
        payload = {"model": model, "created_at": "2026-01-01T00:00:00Z", "done": True, "done_reason": "stop",
                   "total_duration": 1, "prompt_eval_count": 3, "eval_count": 6}
        if path == "/api/chat":
            payload["message"] = {"role": "assistant", "content": text}
        else:
            payload["response"] = text
        return payload
    if path == "/api/embed":
        return {"model": model, "embeddings": [[0.1, 0.2, 0.3]], "prompt_eval_count": 2}
    if path == "/api/embeddings":
        return {"embedding": [0.1, 0.2, 0.3]}
    if path == "/api/show":
        return {"modelfile": "FROM " + model, "parameters": "", "template": "{{ .Prompt }}",
                "details": {"format": "gguf", "family": "llama"}, "capabilities": ["completion"]}
    if path.endswith("/v1/completions"):
        return {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": model,
                "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9}}
    if path.endswith("/v1/embeddings"):
        return {"object": "list", "model": model,
                "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
                "usage": {"prompt_tokens": 2, "total_tokens": 2}}
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 6, "total_tokens": 9}}


def stream_events(path, model, pieces):
    """The streamed answer of `path` as a list of whole events (SSE) or lines (NDJSON), as bytes."""
    events = []
    if path.endswith("/v1/messages"):
        def event(name, payload):
            events.append(("event: %s\ndata: %s\n\n" % (name, json.dumps(payload))).encode())
        event("message_start", {"type": "message_start", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 0}}})
        event("content_block_start", {"type": "content_block_start", "index": 0,
                                      "content_block": {"type": "text", "text": ""}})
        for piece in pieces:
            event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                          "delta": {"type": "text_delta", "text": piece}})
        event("content_block_stop", {"type": "content_block_stop", "index": 0})
        event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": len(pieces)}})
        event("message_stop", {"type": "message_stop"})
    elif path in ("/api/chat", "/api/generate"):
        def line(piece, done):
            payload = {"model": model, "created_at": "2026-01-01T00:00:00Z", "done": done}
            if path == "/api/chat":
                payload["message"] = {"role": "assistant", "content": piece}
            else:
                payload["response"] = piece
            if done:
                payload.update({"done_reason": "stop", "total_duration": 1, "prompt_eval_count": 3,
                                "eval_count": len(pieces)})
            return (json.dumps(payload) + "\n").encode()
        events = [line(piece, False) for piece in pieces] + [line("", True)]
    else:
        for piece in pieces:
            chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            events.append(("data: " + json.dumps(chunk) + "\n\n").encode())
        final = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": [],
                 "usage": {"prompt_tokens": 3, "completion_tokens": len(pieces), "total_tokens": 3 + len(pieces)}}
        events.append(("data: " + json.dumps(final) + "\n\n").encode())
        events.append(b"data: [DONE]\n\n")
    return events


def large_pieces(size):
    """Pieces of text adding up to about `size` bytes, each distinct so that reordering or loss shows."""
    pieces, total, index = [], 0, 0
    while total < size:
        piece = ("%08d" % index) + "x" * 8184
        pieces.append(piece)
        total += len(piece)
        index += 1
    return pieces
