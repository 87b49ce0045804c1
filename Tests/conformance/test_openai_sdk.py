"""The official `openai` SDK pointed at the gateway behaves as if it talked to the upstream."""

import openai
import pytest

from mock_upstream import PIECES


@pytest.fixture
def client(gateway):
    return openai.OpenAI(base_url=gateway.base + "/v1", api_key=gateway.token, max_retries=0)


def test_chat_completion(client):
    reply = client.chat.completions.create(model="llama3.2:1b", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "".join(PIECES)
    assert reply.usage.total_tokens == 9


def test_chat_stream_yields_every_chunk_in_order(client):
    stream = client.chat.completions.create(model="llama3.2:1b", messages=[{"role": "user", "content": "hi"}],
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    contents = [chunk.choices[0].delta.content for chunk in chunks if chunk.choices]
    assert contents == PIECES
    assert chunks[-1].usage.completion_tokens == 6


def test_completions(client):
    reply = client.completions.create(model="llama3.2:1b", prompt="say hello")
    assert reply.choices[0].text == "".join(PIECES)


def test_embeddings(client):
    reply = client.embeddings.create(model="nomic-embed-text", input="hello")
    assert reply.data[0].embedding == [0.1, 0.2, 0.3]


def test_models(client):
    assert [model.id for model in client.models.list()] == ["llama3.2:1b", "qwen3:8b"]


def test_with_raw_response_headers(client):
    raw = client.chat.completions.with_raw_response.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert raw.headers["x-pool-key-id"].startswith("k_")
    assert int(raw.headers["x-pool-attempts"]) >= 1


def test_bad_token_raises_authentication_error(gateway):
    client = openai.OpenAI(base_url=gateway.base + "/v1", api_key="sk-not-a-real-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert "invalid client token" in str(raised.value)


def test_exhausted_pool_raises_status_error_with_the_gateways_message(gateway):
    client = openai.OpenAI(base_url=gateway.base + "/openrouter/v1", api_key=gateway.token, max_retries=0)
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 503
    assert "rate-limited" in str(raised.value) or "no usable key" in str(raised.value)


def test_models_retrieve_from_the_cached_list_and_forwarded(client):
    client.models.list()
    cached = client.models.with_raw_response.retrieve("qwen3:8b")
    assert cached.headers.get("x-pool-cache") == "hit"
    assert cached.parse().id == "qwen3:8b"
    assert cached.parse().owned_by == "mock"
    assert client.models.retrieve("unlisted:7b").created == 2
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_responses_create(client):
    reply = client.responses.create(model="llama3.2:1b", input="hi")
    assert reply.output_text == "".join(PIECES)
    assert reply.usage.output_tokens == 6


def test_responses_stream(client):
    events = list(client.responses.create(model="llama3.2:1b", input="hi", stream=True))
    assert [event.delta for event in events if event.type == "response.output_text.delta"] == PIECES
    assert events[-1].type == "response.completed"
    assert events[-1].response.usage.total_tokens == 9
