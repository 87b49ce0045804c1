"""Starts the mock upstream and the real gateway binary on loopback, with pools of keys in known states."""

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

import mock_upstream

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "conformance-admin-token-0123456789"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(base, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class Gateway:
    def __init__(self, base, token):
        self.base = base
        self.token = token


def start_gateway(mock_base, keys_by_provider):
    """Runs the real binary against the mock with the given keys; returns (process, base URL, client token)."""
    binary = os.environ.get("OLLAMA_POOL_BIN", str(ROOT / ".build" / "debug" / "ollama-pool"))
    folder = tempfile.mkdtemp(prefix="pool-conformance-")
    port = free_port()
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", ADMIN_TOKEN=ADMIN, LOG_LEVEL="warning",
               DATABASE_URL="sqlite:" + folder + "/pool.sqlite", OLLAMA_UPSTREAM_URL=mock_base,
               OPENROUTER_UPSTREAM_URL=mock_base + "/openrouter", MAX_RETRIES="3")
    process = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = "http://127.0.0.1:%d" % port
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/health", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError("gateway did not start: " + process.stderr.read().decode(errors="replace"))
            time.sleep(0.1)
    for provider, keys in keys_by_provider.items():
        call(base, "POST", "/admin/api-keys/import", ADMIN, {"provider": provider, "keys": keys})
    token = call(base, "POST", "/admin/tokens", ADMIN, {"name": "conformance"})["token"]
    return process, base, token


@pytest.fixture(scope="session")
def mock_base():
    mock = mock_upstream.serve()
    yield "http://127.0.0.1:%d" % mock.server_address[1]
    mock.shutdown()


@pytest.fixture(scope="session")
def gateway(mock_base):
    """A gateway whose Ollama pool holds one rejected and two good keys, and whose OpenRouter pool holds only
    rate-limited keys (every request there exhausts the pool)."""
    process, base, token = start_gateway(mock_base, {
        "ollama": ["bad-key-ollama-0001", "good-key-ollama-0001", "good-key-ollama-0002"],
        "openrouter": ["limited-key-or-0001", "limited-key-or-0002"],
    })
    yield Gateway(base, token)
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="session")
def exhausted(mock_base):
    """A gateway whose Ollama pool holds only rate-limited keys."""
    process, base, token = start_gateway(mock_base, {"ollama": ["limited-key-ollama-01", "limited-key-ollama-02"]})
    yield Gateway(base, token)
    process.terminate()
    process.wait(timeout=30)
