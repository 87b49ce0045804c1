"""Runs TensorZero's HTTP gateway as shipped in the `tensorzero` PyPI wheel and keeps it up until SIGTERM.

The wheel carries no standalone gateway binary: its native module embeds the Rust gateway and starts it as an
HTTP server on an ephemeral 127.0.0.1 port (the same server `patch_openai_client` uses). This process only
hosts it; requests go over HTTP like to any other target. Prints the gateway's base URL on stdout.

Usage: tensorzero_gateway.py CONFIG.toml"""

import signal
import sys
import threading

import tensorzero

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())

gateway = tensorzero._start_http_gateway(
    config_file=sys.argv[1], clickhouse_url=None, postgres_url=None, valkey_url=None, async_setup=False
)
print(gateway.base_url, flush=True)
stop.wait()
gateway.close()
