"""Streaming mock upstream for the benchmark: every POST is answered with an OpenAI-style SSE stream of
CHUNKS events (CHUNKS - 1 `chat.completion.chunk` events, then `data: [DONE]`), one HTTP chunk per event,
GAP_MS apart. GET /v1/models answers a small list. Keep-alive is honoured, so proxies can pool connections.

Usage: stream_mock.py PORT [CHUNKS] [GAP_MS]   (binds 127.0.0.1 only; PORT 0 picks one and prints it)."""

import asyncio
import json
import socket
import sys

CHUNKS = 50
GAP = 0.002
MODELS = json.dumps({"object": "list", "data": [
    {"id": "llama3.2:1b", "object": "model", "created": 1700000000, "owned_by": "bench"}]}).encode()


def event(index, total):
    last = index == total - 2
    payload = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
               "model": "llama3.2:1b",
               "choices": [{"index": 0, "delta": {"content": "token%02d " % index},
                            "finish_reason": "stop" if last else None}]}
    if last:
        payload["usage"] = {"prompt_tokens": 42, "completion_tokens": total - 1, "total_tokens": 41 + total}
    return ("data: " + json.dumps(payload, separators=(",", ":")) + "\n\n").encode()


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


async def handle(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if length:
                await reader.readexactly(length)
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            close = headers.get("connection", "").lower() == "close"
            connection = b"close" if close else b"keep-alive"
            if method == "GET":
                body = MODELS if path.startswith("/v1/models") else b'{"error":"not found"}'
                status = b"200 OK" if path.startswith("/v1/models") else b"404 Not Found"
                writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\ncontent-length: "
                             + str(len(body)).encode() + b"\r\nconnection: " + connection + b"\r\n\r\n" + body)
                await writer.drain()
            else:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                             b"transfer-encoding: chunked\r\nconnection: " + connection + b"\r\n\r\n"
                             + chunk(event(0, CHUNKS)))
                await writer.drain()
                for index in range(1, CHUNKS):
                    await asyncio.sleep(GAP)
                    data = b"data: [DONE]\n\n" if index == CHUNKS - 1 else event(index, CHUNKS)
                    writer.write(chunk(data))
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
                await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) > 2:
        CHUNKS = int(sys.argv[2])
    if len(sys.argv) > 3:
        GAP = float(sys.argv[3]) / 1000
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
