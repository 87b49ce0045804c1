"""The official `ollama` Python client uses the gateway as its Ollama server."""

import ollama
import pytest

from mock_upstream import PIECES


@pytest.fixture
def client(gateway):
    return ollama.Client(host=gateway.base, headers={"Authorization": "Bearer " + gateway.token})


def test_chat(client):
    reply = client.chat(model="llama3.2:1b", messages=[{"role": "user", "content": "hi"}], stream=False)
    assert reply.message.content == "".join(PIECES)


def test_chat_stream_yields_every_line_in_order(client):
    parts = list(client.chat(model="llama3.2:1b", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert [part.message.content for part in parts[:-1]] == PIECES
    assert parts[-1].done is True
    assert parts[-1].eval_count == len(PIECES)


def test_generate_stream(client):
    parts = list(client.generate(model="llama3.2:1b", prompt="hi", stream=True))
    assert [part.response for part in parts[:-1]] == PIECES


def test_embed(client):
    assert client.embed(model="nomic-embed-text", input="hello").embeddings == [[0.1, 0.2, 0.3]]


def test_list_and_show(client):
    assert [model.model for model in client.list().models] == ["llama3.2:1b"]
    assert client.show("llama3.2:1b").details.family == "llama"


def test_bad_token_raises_response_error(gateway):
    client = ollama.Client(host=gateway.base, headers={"Authorization": "Bearer sk-wrong"})
    with pytest.raises(ollama.ResponseError) as raised:
        client.chat(model="m", messages=[{"role": "user", "content": "hi"}], stream=False)
    assert raised.value.status_code == 401
    assert "invalid client token" in raised.value.error


def test_exhausted_pool_raises_response_error_with_the_gateways_message(exhausted):
    client = ollama.Client(host=exhausted.base, headers={"Authorization": "Bearer " + exhausted.token})
    with pytest.raises(ollama.ResponseError) as raised:
        client.chat(model="m", messages=[{"role": "user", "content": "hi"}], stream=True).__next__()
    assert raised.value.status_code == 503
    assert "rate-limited" in raised.value.error or "no usable key" in raised.value.error


def test_detected_as_an_ollama_server(gateway):
    """Ollama's clients look for `Ollama is running` at `/` and ask `/api/version` without credentials."""
    client = ollama.Client(host=gateway.base)
    # The client's own HTTP session, with the headers it sends (Accept: application/json, its User-Agent).
    root = client._client.get("/")
    assert root.status_code == 200
    assert root.text == "Ollama is running"
    assert client._client.head("/").status_code == 200
    version = client._client.get("/api/version")
    assert version.status_code == 200
    assert version.json()["version"] == "0.12.0"
