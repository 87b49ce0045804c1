"""The official `anthropic` SDK talks to the gateway's `/v1/messages`."""

import anthropic
import pytest

from mock_upstream import PIECES


@pytest.fixture
def client(gateway):
    return anthropic.Anthropic(base_url=gateway.base, api_key=gateway.token, max_retries=0)


def test_message(client):
    reply = client.messages.create(model="m", max_tokens=32, messages=[{"role": "user", "content": "hi"}])
    assert reply.content[0].text == "".join(PIECES)
    assert reply.usage.output_tokens == 6


def test_stream_yields_every_delta_in_order(client):
    with client.messages.stream(model="m", max_tokens=32, messages=[{"role": "user", "content": "hi"}]) as stream:
        texts = list(stream.text_stream)
    assert texts == PIECES


def test_bad_token_raises_authentication_error(gateway):
    client = anthropic.Anthropic(base_url=gateway.base, api_key="sk-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as raised:
        client.messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    assert "invalid client token" in str(raised.value)


def test_exhausted_pool_raises_status_error_with_the_gateways_message(exhausted):
    client = anthropic.Anthropic(base_url=exhausted.base, api_key=exhausted.token, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as raised:
        client.messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 503
    assert "rate-limited" in str(raised.value) or "no usable key" in str(raised.value)


def test_count_tokens(client):
    assert client.messages.count_tokens(model="m", messages=[{"role": "user", "content": "hi"}]).input_tokens == 7
