#!/usr/bin/env python3
"""Side-by-side benchmark of the gateway against a direct upstream, nginx and two peer gateways.

Started by `scripts/bench/run.sh` (which installs nginx, wrk and the peers, and builds the gateway); stdlib only.
Everything listens on and is driven at 127.0.0.1; every load run is bounded in time (wrk -d) and every wait has a
deadline. See the README's Performance section for the method.

    bench.py --gateway-bin PATH [--quick] [--out FILE] ...   run the benchmark, print the table, write JSON
    bench.py --report FILE                                    print a results file as Markdown tables
"""

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORK = HERE / ".work"
LUA = HERE / "post.lua"

UPSTREAM_MODEL = "llama3.2:1b"
UPSTREAM_KEY = "bench-upstream-key"

# Fixed, realistic upstream answers served by the nginx mock (no `$` or `'`: they sit in nginx `return` strings).
CHAT_RESPONSE = json.dumps({
    "id": "chatcmpl-7f3a9c2e41b", "object": "chat.completion", "created": 1767225600, "model": UPSTREAM_MODEL,
    "system_fingerprint": "fp_ollama",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": (
        "SQLite keeps everything in one file inside the process: no server to run, tiny operational cost and "
        "excellent read speed, but one writer at a time. PostgreSQL is a separate server with real write "
        "concurrency, roles, replication and richer types, at the cost of running and tuning it. For a small "
        "self-hosted service with modest write traffic SQLite is usually enough; move to PostgreSQL when several "
        "processes must write at once.")}}],
    "usage": {"prompt_tokens": 42, "completion_tokens": 87, "total_tokens": 129}}, separators=(",", ":"))
OLLAMA_CHAT_RESPONSE = json.dumps({
    "model": UPSTREAM_MODEL, "created_at": "2026-01-01T00:00:00.000000Z",
    "message": {"role": "assistant", "content": "SQLite is one file in the process; PostgreSQL is a server with "
                "real write concurrency. Start with SQLite, move when several processes must write."},
    "done": True, "done_reason": "stop", "total_duration": 912345678, "load_duration": 1234567,
    "prompt_eval_count": 42, "prompt_eval_duration": 12345678, "eval_count": 31, "eval_duration": 898765432},
    separators=(",", ":"))
MODELS_RESPONSE = json.dumps({"object": "list", "data": [
    {"id": m, "object": "model", "created": 1767225600, "owned_by": "library"}
    for m in (UPSTREAM_MODEL, "qwen3:8b", "gpt-oss:20b", "deepseek-r1:7b")]}, separators=(",", ":"))


def chat_body(model, stream=False):
    """The client request: a realistic ~300-byte chat body."""
    return json.dumps({"model": model, "messages": [
        {"role": "system", "content": "You are a concise assistant for a small engineering team."},
        {"role": "user", "content": "Summarise the trade-offs between SQLite and PostgreSQL for a small "
                                    "self-hosted service, in three sentences."}],
        "temperature": 0.2, "max_tokens": 256, "stream": stream}, separators=(",", ":"))


def log(message):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), message), file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=30.0):
    """One HTTP request on a fresh loopback connection; returns (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until(check, deadline_s, what, interval=0.05):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(interval)
    raise RuntimeError("timed out after %.0f s waiting for %s" % (deadline_s, what))


def port_open(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


# -- processes ----------------------------------------------------------------------------------------------------

class Server:
    """A server process this run started (in its own session, so stop() ends exactly it and its children)."""

    def __init__(self, name, argv, cpus, env=None, log_dir=None, stdout_pipe=False):
        self.name = name
        prefix = ["taskset", "-c", cpus] if cpus else []
        self.log_path = log_dir / ("%s.log" % name)
        self.log_file = open(self.log_path, "ab")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            prefix + [str(a) for a in argv], env=env, start_new_session=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else self.log_file, stderr=self.log_file)

    @property
    def pid(self):
        return self.proc.pid

    def read_line(self, deadline_s):
        """The first stdout line (stdout_pipe servers), within deadline_s."""
        deadline = time.monotonic() + deadline_s
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                byte = os.read(self.proc.stdout.fileno(), 1)
                if not byte:
                    break
                line += byte
            if self.proc.poll() is not None and not ready:
                break
        if not line.endswith(b"\n"):
            raise RuntimeError("%s printed no address (see %s)" % (self.name, self.log_path))
        return line.decode().strip()

    def alive(self):
        return self.proc.poll() is None

    def rss_mb(self, field="VmHWM"):
        """Resident set of the process plus its children in MB (MiB): VmHWM is the peak since start, VmRSS now."""
        total_kb = 0
        for pid in [self.pid] + children_of(self.pid):
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith(field + ":"):
                            total_kb += int(line.split()[1])
            except OSError:
                pass
        return round(total_kb / 1024, 1) if total_kb else None

    def stop(self, grace_s=15):
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.log_file.close()


def cpu_seconds(pids):
    """User plus system CPU time of `pids` (those still running), in seconds."""
    ticks = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(servers, quiet_share=0.05, window_s=0.25, limit_s=6.0):
    """Waits until the servers together use under `quiet_share` of a core over `window_s` (at most `limit_s`), so
    the work a server does after its round (the gateway's request-log flush of the last second, ~0.2 s of a core
    at full load) is not charged to the next target on the same core. Returns the seconds waited."""
    pids = [p for server in servers if server.alive() for p in [server.pid] + children_of(server.pid)]
    started = time.monotonic()
    before = cpu_seconds(pids)
    while time.monotonic() - started < limit_s:
        time.sleep(window_s)
        now = cpu_seconds(pids)
        if now - before < quiet_share * window_s:
            break
        before = now
    return time.monotonic() - started


def children_of(pid):
    found, frontier = [], [pid]
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                stats[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                pass
    while frontier:
        parent = frontier.pop()
        for child, ppid in stats.items():
            if ppid == parent:
                found.append(child)
                frontier.append(child)
    return found


# -- the targets --------------------------------------------------------------------------------------------------

class Target:
    """A server under load: where wrk sends the chat body, with which token, and where it streams."""

    def __init__(self, name, keys, port, path, model, token, server, stream=None):
        self.name, self.keys, self.port, self.path, self.model = name, keys, port, path, model
        self.token, self.server = token, server
        self.stream = stream  # (port, path, model, token) for the streaming measurement, or None
        self.body = chat_body(model)

    @property
    def label(self):
        """Unique per server: the gateway runs twice, with 10 keys and with the big pool."""
        return "%s-%d" % (self.name, self.keys) if self.name == "gateway" and self.keys != 10 else self.name

    def url(self):
        return "http://127.0.0.1:%d%s" % (self.port, self.path)

    def check(self):
        status, body = request(self.port, "POST", self.path, self.body, {
            "content-type": "application/json", "authorization": "Bearer " + self.token}, timeout=60)
        if status != 200 or b"choices" not in body:
            raise RuntimeError("%s answered %d: %s" % (self.label, status, body[:300]))


def write_nginx_confs(run, ports):
    common = """worker_processes 1;
daemon off;
master_process on;
error_log {err} warn;
pid {pid};
events {{ worker_connections 4096; multi_accept on; }}
http {{
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
{body}
}}
"""
    mock = """  default_type application/json;
  server {{
    listen 127.0.0.1:{mock} backlog=4096;
    client_body_buffer_size 64k;
    location = /v1/chat/completions {{ return 200 '{chat}'; }}
    location = /api/chat {{ return 200 '{ollama}'; }}
    location = /v1/models {{ return 200 '{models}'; }}
    location / {{ return 404 '{{"error":"not found"}}'; }}
  }}""".format(mock=ports["mock"], chat=CHAT_RESPONSE, ollama=OLLAMA_CHAT_RESPONSE, models=MODELS_RESPONSE)
    proxy = """  upstream mock {{ server 127.0.0.1:{mock}; keepalive 64; keepalive_requests 1000000; keepalive_timeout 300s; }}
  upstream stream_mock {{ server 127.0.0.1:{smock}; keepalive 16; keepalive_timeout 300s; }}
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Authorization "Bearer {key}";
  proxy_buffering off;
  proxy_request_buffering off;
  server {{ listen 127.0.0.1:{nginx} backlog=4096; location / {{ proxy_pass http://mock; }} }}
  server {{ listen 127.0.0.1:{nstream} backlog=4096; location / {{ proxy_pass http://stream_mock; }} }}""".format(
        mock=ports["mock"], smock=ports["stream_mock"], nginx=ports["nginx"], nstream=ports["nginx_stream"],
        key=UPSTREAM_KEY)
    paths = {}
    for name, body in (("nginx-mock", mock), ("nginx-proxy", proxy)):
        tmp = run / ("%s-tmp" % name)
        tmp.mkdir(exist_ok=True)
        conf = run / ("%s.conf" % name)
        conf.write_text(common.format(err=run / ("%s.err" % name), pid=run / ("%s.pid" % name), tmp=tmp, body=body))
        paths[name] = conf
    return paths


def start_nginx(name, conf, run, cpus):
    server = Server(name, ["nginx", "-p", run, "-e", run / ("%s.err" % name), "-c", conf], cpus, log_dir=run)
    return server


def gateway_env(port, db, admin, upstream, extra_env=None):
    """The gateway's environment; extra_env (settings such as DATABASE_URL or RESPONSE_CACHE_TTL) wins."""
    env = dict(os.environ)
    env.update({
        "PORT": str(port), "HOST": "127.0.0.1", "DATABASE_URL": "sqlite:%s" % db, "ADMIN_TOKEN": admin,
        "OLLAMA_UPSTREAM_URL": upstream, "OPENROUTER_UPSTREAM_URL": upstream, "LOG_LEVEL": "warning",
    })
    env.update(extra_env or {})
    return env


def start_gateway(name, binary, port, db, admin, upstream, run, cpus, keep, deadline_s=60, extra_env=None):
    """Starts the gateway (handing it to `keep` at once, so it is stopped whatever happens next) and returns
    (server, seconds from spawn until /health answered 200)."""
    server = keep(Server(name, [binary, "serve"], cpus, env=gateway_env(port, db, admin, upstream, extra_env),
                         log_dir=run))

    def healthy():
        if not server.alive():
            raise RuntimeError("%s exited (see %s)" % (name, server.log_path))
        return request(port, "GET", "/health", timeout=1)[0] == 200

    wait_until(healthy, deadline_s, "%s /health" % name, interval=0.002)
    return server, time.perf_counter() - server.started


def health(port):
    return json.loads(request(port, "GET", "/health")[1])


def admin_post(port, admin, path, payload, timeout=120):
    status, body = request(port, "POST", path, json.dumps(payload), {
        "authorization": "Bearer " + admin, "content-type": "application/json"}, timeout=timeout)
    if status not in (200, 201):
        raise RuntimeError("POST %s answered %d: %s" % (path, status, body[:300]))
    return json.loads(body)


def make_keys(count, tag):
    salt = secrets.token_hex(6)
    return ["bench-%s-%s-%07d-%s" % (tag, salt, i, secrets.token_hex(8)) for i in range(count)]


def setup_gateway(name, binary, port, db, admin, upstream, keys, run, cpus, keep, extra_env=None):
    """A gateway with `keys` keys imported over the admin API and one client token: a dict with the server, its
    port, token, start-up seconds, import seconds, the import's answer and its request size."""
    server, startup = start_gateway(name, binary, port, db, admin, upstream, run, cpus, keep, extra_env=extra_env)
    content = "\n".join(make_keys(keys, name))
    t0 = time.perf_counter()
    answer = admin_post(port, admin, "/admin/api-keys/import-from-txt", {"content": content}, timeout=300)
    import_s = time.perf_counter() - t0
    if answer.get("added") != keys:
        raise RuntimeError("%s import added %s of %d keys: %s" % (name, answer.get("added"), keys, answer))
    token = admin_post(port, admin, "/admin/tokens", {"name": "bench"})["token"]
    return {"server": server, "port": port, "token": token, "startup_s": startup, "import_s": import_s,
            "answer": answer,
            "request_bytes": len(json.dumps({"content": content}))}


def tensorzero_config(path, mock_port, stream_port, keys):
    lines = ["[gateway]", "observability.enabled = false", "disable_pseudonymous_usage_analytics = true", ""]
    for model, port in (("bench", mock_port), ("stream", stream_port)):
        names = ["key%02d" % i for i in range(keys)]
        lines += ["[models.%s]" % model, "routing = [%s]" % ", ".join('"%s"' % n for n in names), ""]
        for n in names:
            lines += ["[models.%s.providers.%s]" % (model, n), 'type = "openai"', 'model_name = "%s"' % UPSTREAM_MODEL,
                      'api_base = "http://127.0.0.1:%d/v1/"' % port,
                      'api_key_location = "env::BENCH_TZ_%s"' % n.upper(), ""]
    path.write_text("\n".join(lines))


def litellm_config(path, mock_port, stream_port, keys, master_key):
    lines = ["model_list:"]
    for model, port in (("bench", mock_port), ("stream", stream_port)):
        for i in range(keys):
            lines += ["  - model_name: %s" % model, "    litellm_params:",
                      "      model: openai/%s" % UPSTREAM_MODEL,
                      "      api_base: http://127.0.0.1:%d/v1" % port,
                      "      api_key: %s-%02d" % (UPSTREAM_KEY, i),
                      # A priced model, as a real deployment has: without rates LiteLLM diagnoses "zero cost"
                      # on every answer, which costs it about half its throughput.
                      "    model_info:", "      input_cost_per_token: 0.0000001",
                      "      output_cost_per_token: 0.0000002"]
    lines += ["litellm_settings:", "  telemetry: false", "  turn_off_message_logging: true",
              "general_settings:", "  master_key: %s" % master_key, ""]
    path.write_text("\n".join(lines))


LITELLM_LOG_CONFIG = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "WARNING"},
                "uvicorn.error": {"level": "WARNING"},
                "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False}},
}


# -- measurements -------------------------------------------------------------------------------------------------

def run_wrk(target, connections, duration_s, cpus):
    env = dict(os.environ, BENCH_BODY=target.body, BENCH_TOKEN=target.token)
    argv = (["taskset", "-c", cpus] if cpus else []) + [
        "wrk", "-t1", "-c%d" % connections, "-d%ds" % duration_s, "--timeout", "10s", "-s", str(LUA), target.url()]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=duration_s + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result
    raise RuntimeError("wrk gave no result for %s: %s %s" % (target.label, done.stdout[-500:], done.stderr[-500:]))


def stream_once(port, path, model, token, timeout=30.0):
    """One streamed chat request on a fresh connection: timestamps of the first and last byte, and how the
    SSE events were spread over the socket reads (an event alone in its read = not coalesced)."""
    body = chat_body(model, stream=True).encode()
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            "Accept: text/event-stream\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % (path, port, token, len(body))).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        t0 = time.perf_counter()
        sock.sendall(head + body)
        first = first_event = last = None
        data = bytearray()
        per_read = []
        while True:
            piece = sock.recv(65536)
            now = time.perf_counter()
            if not piece:
                break
            if first is None:
                first = now
            data += piece
            events = piece.count(b"data:")
            if events:
                per_read.append(events)
                if first_event is None:
                    first_event = now
            last = now
            if data.endswith(b"\r\n0\r\n\r\n"):
                break
    finally:
        sock.close()
    status = int(bytes(data[:16]).split(b" ")[1])
    text = bytes(data)
    events = text.count(b"data:")
    return {
        "status": status, "ttfb_ms": (first - t0) * 1e3, "first_event_ms": (first_event - t0) * 1e3,
        "total_ms": (last - t0) * 1e3, "events": events, "content_events": text.count(b'"content":"token'),
        "reads": len(per_read), "max_events_per_read": max(per_read) if per_read else 0,
        "coalesced_reads": sum(1 for n in per_read if n > 1), "done": b"[DONE]" in text,
    }


def measure_stream(target, runs, warmup):
    port, path, model, token = target.stream
    for _ in range(warmup):
        stream_once(port, path, model, token)
    samples = [stream_once(port, path, model, token) for _ in range(runs)]
    bad = [s for s in samples if s["status"] != 200]
    if bad:
        raise RuntimeError("%s stream answered %d" % (target.label, bad[0]["status"]))
    med = lambda key: round(statistics.median(s[key] for s in samples), 3)
    return {
        "target": target.name, "runs": runs,
        "ttfb_ms": med("ttfb_ms"), "first_event_ms": med("first_event_ms"), "total_ms": med("total_ms"),
        "ttfb_p90_ms": round(sorted(s["ttfb_ms"] for s in samples)[int(0.9 * (runs - 1))], 3),
        "events": min(s["events"] for s in samples), "content_events": min(s["content_events"] for s in samples),
        "done": all(s["done"] for s in samples),
        "reads_median": statistics.median(s["reads"] for s in samples),
        "max_events_per_read": max(s["max_events_per_read"] for s in samples),
        "coalesced_reads_total": sum(s["coalesced_reads"] for s in samples),
    }


# -- machine ------------------------------------------------------------------------------------------------------

def load_average():
    return [round(x, 2) for x in os.getloadavg()]


def busy_builds(sample_s=2.0):
    """How many Swift build or test processes used CPU in the last sample_s seconds (idle leftovers don't count)."""
    def cpu_ticks():
        pids = subprocess.run(["pgrep", "-f", "swift-build|swift-frontend|swiftc|swift-test|xctest|clang"],
                              capture_output=True, text=True).stdout.split()
        ticks = {}
        for pid in pids:
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks[pid] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return ticks

    before = cpu_ticks()
    time.sleep(sample_s)
    after = cpu_ticks()
    return sum(1 for pid, t in after.items() if t - before.get(pid, t) > 0 or pid not in before)


def wait_quiet(max_s, load_limit):
    """Waits (polling, at most max_s) until no Swift build runs and the 1-minute load is below load_limit."""
    start = time.monotonic()
    while True:
        builds, load = busy_builds(), os.getloadavg()[0]
        if builds == 0 and load < load_limit:
            return {"waited_s": round(time.monotonic() - start), "quiet": True}
        if time.monotonic() - start >= max_s:
            return {"waited_s": round(time.monotonic() - start), "quiet": False}
        log("waiting for a quiet machine: %d Swift build processes, load %.2f" % (builds, load))
        time.sleep(min(20, max(1, max_s - (time.monotonic() - start))))


def version_of(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (done.stdout + done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    debian = Path("/etc/debian_version").read_text().strip() if Path("/etc/debian_version").exists() else None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "debian": debian}


# -- the run ------------------------------------------------------------------------------------------------------

class Run:
    """One benchmark run: the servers it started (stopped by close()), their ports and the measured figures."""

    CHAT = "/v1/chat/completions"

    def __init__(self, args, client_cpus, server_cpus):
        self.args, self.client_cpus, self.server_cpus = args, client_cpus, server_cpus
        self.dir = WORK / ("run-" + time.strftime("%Y%m%d-%H%M%S"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.servers, self.targets, self.unavailable = [], [], {}
        self.ports = {name: free_port() for name in (
            "mock", "stream_mock", "nginx", "nginx_stream", "gw10", "gw_big", "gw_stream", "litellm")}
        self.admin = "adm-bench-" + secrets.token_hex(12)

    def keep(self, server):
        self.servers.append(server)
        return server

    def close(self):
        for server in reversed(self.servers):
            try:
                server.stop()
            except Exception as error:
                log("stopping %s: %s" % (server.name, error))
        for leftover in self.dir.glob("*.sqlite*"):  # up to 100,000 keys each; the logs stay
            leftover.unlink()

    def start_upstreams(self):
        """The nginx mock, the streaming mock and the nginx reverse proxy; adds `direct` and `nginx`."""
        ports, cpus = self.ports, self.server_cpus
        confs = write_nginx_confs(self.dir, ports)
        mock = self.keep(start_nginx("nginx-mock", confs["nginx-mock"], self.dir, cpus))
        self.keep(Server("stream-mock", [sys.executable, HERE / "stream_mock.py", ports["stream_mock"],
                                         self.args.stream_chunks, self.args.stream_gap_ms], cpus, log_dir=self.dir))
        proxy = self.keep(start_nginx("nginx-proxy", confs["nginx-proxy"], self.dir, cpus))
        for name in ("mock", "stream_mock", "nginx", "nginx_stream"):
            wait_until(lambda: port_open(ports[name]), 20, "%s on port %d" % (name, ports[name]))
        self.targets.append(Target("direct", None, ports["mock"], self.CHAT, UPSTREAM_MODEL, UPSTREAM_KEY, mock,
                                   (ports["stream_mock"], self.CHAT, UPSTREAM_MODEL, UPSTREAM_KEY)))
        self.targets.append(Target("nginx", None, ports["nginx"], self.CHAT, UPSTREAM_MODEL, UPSTREAM_KEY, proxy,
                                   (ports["nginx_stream"], self.CHAT, UPSTREAM_MODEL, UPSTREAM_KEY)))

    def start_gateways(self):
        """The gateway with 10 keys, with the big pool (its import and start-up timed), and a 10-key one on the
        streaming mock. Returns the `startup` section."""
        args, ports, cpus, binary = self.args, self.ports, self.server_cpus, self.args.gateway_bin
        mock_url = "http://127.0.0.1:%d" % ports["mock"]
        gw10 = setup_gateway("gateway-10", binary, ports["gw10"], self.dir / "gw10.sqlite", self.admin, mock_url,
                             10, self.dir, cpus, self.keep)
        gws = setup_gateway("gateway-stream", binary, ports["gw_stream"], self.dir / "gws.sqlite", self.admin,
                            "http://127.0.0.1:%d" % ports["stream_mock"], 10, self.dir, cpus, self.keep)
        self.targets.append(Target("gateway", 10, ports["gw10"], self.CHAT, UPSTREAM_MODEL, gw10["token"],
                                   gw10["server"], (ports["gw_stream"], self.CHAT, UPSTREAM_MODEL, gws["token"])))

        big, name, db = args.big_keys, "gateway-%d" % args.big_keys, self.dir / "gw-big.sqlite"
        log("gateway: importing %d keys over the admin API" % big)
        first = setup_gateway(name, binary, ports["gw_big"], db, self.admin, mock_url, big, self.dir, cpus, self.keep)
        first["server"].stop()
        startups = []
        for i in range(args.startup_runs):
            gwb, seconds = start_gateway(name, binary, ports["gw_big"], db, self.admin, mock_url, self.dir, cpus,
                                         self.keep)
            startups.append(seconds)
            loaded = health(ports["gw_big"])["providers"]["ollama"]["keys_total"]
            if loaded != big:
                raise RuntimeError("restarted gateway reports %s keys, not %d" % (loaded, big))
            if i < args.startup_runs - 1:
                gwb.stop()
        self.targets.append(Target("gateway", big, ports["gw_big"], self.CHAT, UPSTREAM_MODEL, first["token"], gwb))
        log("gateway: import of %d keys %.2f s; start-up %s s" % (
            big, first["import_s"], [round(s, 3) for s in startups]))
        return {
            "keys": big, "startup_s": round(statistics.median(startups), 3),
            "startup_runs_s": [round(s, 3) for s in startups], "startup_10_keys_s": round(gw10["startup_s"], 3),
            "measured": "process spawn until GET /health answers 200 (keys_total checked), median of runs",
            "import_s": round(first["import_s"], 3), "import_added": first["answer"].get("added"),
            "import_request_bytes": first["request_bytes"], "import_method": "POST /admin/api-keys/import-from-txt",
            "cli_import_s": self.time_cli_import(big),
        }

    def time_cli_import(self, count):
        """Seconds for `ollama-pool keys import FILE` of `count` keys into a fresh database (None if it failed)."""
        keys_file = self.dir / "keys.txt"
        keys_file.write_text("\n".join(make_keys(count, "cli")) + "\n")
        pin = ["taskset", "-c", self.server_cpus] if self.server_cpus else []
        t0 = time.perf_counter()
        done = subprocess.run(pin + [self.args.gateway_bin, "keys", "import", str(keys_file), "--database-url",
                                     "sqlite:%s" % (self.dir / "cli.sqlite"), "--log-level", "warning"],
                              capture_output=True, text=True, timeout=300)
        seconds = time.perf_counter() - t0
        keys_file.unlink()
        if done.returncode != 0:
            log("CLI import failed: %s" % done.stderr[-300:])
            return None
        return round(seconds, 3)

    def start_tensorzero(self):
        python, keys = self.args.tensorzero_python, self.args.peer_keys
        if not (python and Path(python).exists()):
            self.unavailable["tensorzero"] = "the tensorzero package is not installed (see run.sh output)"
            return
        try:
            conf = self.dir / "tensorzero.toml"
            tensorzero_config(conf, self.ports["mock"], self.ports["stream_mock"], keys)
            env = dict(os.environ, RUST_LOG="warn", TENSORZERO_DISABLE_PSEUDONYMOUS_USAGE_ANALYTICS="1")
            env.update({"BENCH_TZ_KEY%02d" % i: "%s-%02d" % (UPSTREAM_KEY, i) for i in range(keys)})
            tz = self.keep(Server("tensorzero", [python, HERE / "tensorzero_gateway.py", conf], self.server_cpus,
                                  env=env, log_dir=self.dir, stdout_pipe=True))
            port = int(re.search(r":(\d+)/", tz.read_line(120)).group(1))
            path = "/openai/v1/chat/completions"
            self.targets.append(Target("tensorzero", keys, port, path, "tensorzero::model_name::bench", "none", tz,
                                       (port, path, "tensorzero::model_name::stream", "none")))
        except Exception as error:  # a peer that will not start is reported, not fatal
            self.unavailable["tensorzero"] = "did not start: %s (see %s)" % (error, self.dir / "tensorzero.log")

    def start_litellm(self):
        binary, keys, port = self.args.litellm_bin, self.args.peer_keys, self.ports["litellm"]
        if not (binary and Path(binary).exists()):
            self.unavailable["litellm"] = "litellm[proxy] is not installed (see run.sh output)"
            return
        try:
            master = "sk-bench-" + secrets.token_hex(8)
            conf, log_conf = self.dir / "litellm.yaml", self.dir / "litellm-log.json"
            litellm_config(conf, self.ports["mock"], self.ports["stream_mock"], keys, master)
            log_conf.write_text(json.dumps(LITELLM_LOG_CONFIG))
            env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOG="ERROR",
                       DISABLE_ADMIN_UI="True", LITELLM_DONT_SHOW_FEEDBACK_BOX="True")
            ll = self.keep(Server("litellm", [binary, "--config", conf, "--host", "127.0.0.1", "--port", port,
                                              "--num_workers", "1", "--log_config", log_conf],
                                  self.server_cpus, env=env, log_dir=self.dir))
            log("litellm: starting (takes a while)")

            def up():
                if not ll.alive():
                    raise RuntimeError("litellm exited")
                return request(port, "GET", "/health/liveliness", timeout=2)[0] == 200

            wait_until(up, self.args.litellm_start_timeout, "litellm", interval=0.5)
            self.targets.append(Target("litellm", keys, port, self.CHAT, "bench", master, ll,
                                       (port, self.CHAT, "stream", master)))
        except Exception as error:
            self.unavailable["litellm"] = "did not start: %s (see %s)" % (error, self.dir / "litellm.log")

    def check_targets(self):
        """One request through each target; a peer that fails it is dropped (reported), anything else aborts."""
        for target in list(self.targets):
            try:
                target.check()
            except Exception as error:
                if target.name not in ("tensorzero", "litellm"):
                    raise
                self.unavailable[target.name] = "sanity request failed: %s" % error
                self.targets.remove(target)
        log("targets: %s%s" % (", ".join(t.label for t in self.targets),
                               "; not runnable: %s" % self.unavailable if self.unavailable else ""))

    def load(self):
        """wrk at 32 and at 1 connection: a warm-up per target, then rounds with the targets interleaved
        (A B C A B C ...), each run after the servers went quiet (`settle`). Returns the result rows (medians over
        rounds) and any errors seen."""
        args, samples = self.args, {}
        for connections in (32, 1):
            duration = args.duration if connections == 32 else args.duration_1
            for target in self.targets:
                settle(self.servers)
                run_wrk(target, connections, args.warmup, self.client_cpus)
            for r in range(args.rounds):
                for target in self.targets:
                    settle(self.servers)
                    result = run_wrk(target, connections, duration, self.client_cpus)
                    samples.setdefault((target.label, connections), []).append(result)
                    log("c=%-2d round %d/%d %-14s %8.0f rps  p50 %.3f ms  p99 %.3f ms  errors %s" % (
                        connections, r + 1, args.rounds, target.label, result["rps"], result["p50_us"] / 1e3,
                        result["p99_us"] / 1e3, sum(result["errors"].values())))
        rss = {t.label: t.server.rss_mb() for t in self.targets}
        self.rss = {t.label: {"peak_mb": rss[t.label], "after_load_mb": t.server.rss_mb("VmRSS")}
                    for t in self.targets}
        results, errors, self.rounds = [], {}, []
        for connections in (32, 1):
            for target in self.targets:
                runs = samples[(target.label, connections)]
                self.rounds.append({"target": target.name, "connections": connections, "keys": target.keys,
                                    "rps": [round(s["rps"]) for s in runs],
                                    "p50_ms": [round(s["p50_us"] / 1e3, 3) for s in runs]})
                results.append({
                    "target": target.name, "connections": connections, "keys": target.keys,
                    "rps": round(statistics.median(s["rps"] for s in runs), 1),
                    "p50_ms": round(statistics.median(s["p50_us"] for s in runs) / 1e3, 3),
                    "p99_ms": round(statistics.median(s["p99_us"] for s in runs) / 1e3, 3),
                    "rss_mb": rss[target.label],
                })
                bad = sum(sum(s["errors"].values()) for s in runs)
                if bad:
                    errors["%s c=%d" % (target.label, connections)] = {
                        "errors": bad, "requests": sum(s["requests"] for s in runs)}
        return results, errors

    def streams(self):
        """The streamed chat through each target, one request at a time. Returns the `stream` section."""
        measured = []
        for target in self.targets:
            if target.stream:
                try:
                    measured.append(measure_stream(target, self.args.stream_runs, 3))
                except Exception as error:
                    log("stream through %s failed: %s" % (target.label, error))
                    measured.append({"target": target.name, "error": str(error)})
        return {"chunks": self.args.stream_chunks, "gap_ms": self.args.stream_gap_ms, "runs": self.args.stream_runs,
                "statistic": "median", "client": "fresh connection per request, Connection: close",
                "targets": measured}


def callgrind_total(path):
    """The total instruction count (Ir) of a callgrind dump: its `totals:` (or `summary:`) line."""
    for line in Path(path).read_text(errors="replace").splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise RuntimeError("no totals in %s" % path)


def callgrind_bin(args):
    """The `pool-callgrind-server` binary: given, or beside the gateway binary."""
    return args.callgrind_bin or str(Path(args.gateway_bin).parent / "pool-callgrind-server")


# Longer than the request log's and the statistics' write interval (1 s), under callgrind's slower clock.
FLUSH_WAIT_S = 3


def measure_instructions(binary, run_dir, admin, mock_port, requests, cpus, keep):
    """Instructions the gateway process executes per proxied non-stream request: the gateway (10 keys, on the
    nginx mock) runs under `valgrind --tool=callgrind` twice, counting from the start, once serving 200 warm-up
    requests and `requests` more, once 200 and twice `requests`, all on one keep-alive connection; the difference of
    the two totals divided by `requests` is what one request costs, start-up and warm-up cancelling out.
    (Switching instrumentation on and off with `callgrind_control` did not reach the process: on 2026-12-05 the
    count came out 0.) `binary` is `pool-callgrind-server` (the gateway behind a synchronous main: valgrind 3.19
    crashes on the async main's parked thread). Repeatable on a noisy machine, unlike wall-clock figures. The
    binary's debug info is stripped first: valgrind 3.19 cannot read Swift's DWARF 5. The dumps stay in the run's
    folder for `callgrind_annotate`."""
    if not (shutil.which("valgrind") and shutil.which("strip")):
        return {"error": "valgrind or strip is missing"}
    stripped = run_dir / "ollama-pool.stripped"
    # Debug info only: the symbols stay, so `callgrind_annotate` on the dump shows where the instructions go.
    subprocess.run(["strip", "--strip-debug", "-o", str(stripped), str(binary)], check=True)
    body = chat_body(UPSTREAM_MODEL).encode()

    def counted(count, name):
        """The whole process's instruction total for start-up, 200 warm-up requests and `count` more."""
        port, db = free_port(), run_dir / ("%s.sqlite" % name)
        out = run_dir / ("%s.out" % name)
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s" % out, stripped]
        server = keep(Server("gateway-%s" % name, argv, cpus,
                             env=gateway_env(port, db, admin, "http://127.0.0.1:%d" % mock_port), log_dir=run_dir))
        conn = None
        try:
            wait_until(lambda: request(port, "GET", "/health", timeout=5)[0] == 200, 600,
                       "the gateway under valgrind", interval=0.2)
            admin_post(port, admin, "/admin/api-keys/import-from-txt", {"content": "\n".join(make_keys(10, "cg"))})
            created = admin_post(port, admin, "/admin/tokens", {"name": "callgrind"})
            if "token" not in created:
                raise RuntimeError("POST /admin/tokens answered %s" % json.dumps(created)[:300])
            headers = {"authorization": "Bearer " + created["token"], "content-type": "application/json"}
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for _ in range(200 + count):
                conn.request("POST", Run.CHAT, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError("callgrind run: %s answered %d" % (Run.CHAT, response.status))
            # The server stops without draining: let the once-a-second writers (request log, statistics) write
            # every request first, or each run leaves out a random part of its last second of store writes.
            time.sleep(FLUSH_WAIT_S)
        finally:
            if conn is not None:
                conn.close()
            server.stop(grace_s=120)  # callgrind writes its dump as the process ends
        dumps = sorted(run_dir.glob("%s.out*" % name), key=lambda p: p.stat().st_mtime)
        if not dumps:
            raise RuntimeError("callgrind wrote no dump for %s" % name)
        return callgrind_total(dumps[-1]), str(dumps[-1])

    single, single_dump = counted(requests, "callgrind-n")
    double, double_dump = counted(2 * requests, "callgrind-2n")
    return {"requests": requests, "instructions_n": single, "instructions_2n": double,
            "per_request": round((double - single) / requests), "dump": double_dump, "dump_n": single_dump,
            "method": "valgrind --tool=callgrind over the gateway process only (10 keys, nginx mock, one keep-alive "
                      "client connection): (total with 200 + 2N requests - total with 200 + N) / N"}


def main(args):
    if args.quick:
        args.rounds, args.duration, args.duration_1, args.warmup, args.stream_runs = 1, 3, 3, 1, 5
    default_out = HERE / "results" / ("extras.json" if args.extras_only else "latest.json")
    out_path = Path(args.out or (WORK / "quick.json" if args.quick else default_out))
    pin = (os.cpu_count() or 1) >= 2 and not args.no_pin
    client_cpus, server_cpus = (args.client_cpus, args.server_cpus) if pin else ("", "")
    if client_cpus:  # this process runs the stream client: keep it off the servers' cores too
        os.sched_setaffinity(0, {int(c) for c in client_cpus.split(",")})

    quiet = wait_quiet(args.wait_quiet, args.quiet_load) if args.wait_quiet > 0 else {"waited_s": 0, "quiet": None}
    meta = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "mode": ("quick" if args.quick else "full") + (" extras-only" if args.extras_only else
                                                       " with extras" if args.extras else ""),
        "machine": machine(), "load_average_before": load_average(), "swift_build_processes_before": busy_builds(),
        "quiet_wait": quiet,
        "pinning": {"load_generator_cpus": client_cpus or "unpinned", "server_cpus": server_cpus or "unpinned"},
        "method": {"connections": [32, 1], "rounds": args.rounds,
                   "duration_s": {"32": args.duration, "1": args.duration_1}, "warmup_s": args.warmup,
                   "order": "targets interleaved in each round, each after the servers went quiet",
                   "statistic": "median over rounds",
                   "wrk_threads": 1, "request_body_bytes": len(chat_body(UPSTREAM_MODEL)),
                   "rss": "VmHWM (peak resident set) of the server process and its children, read after the load"},
        "peer_keys": args.peer_keys,
        "versions": {"gateway_commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                                      capture_output=True, text=True).stdout.strip(),
                     "nginx": version_of(["nginx", "-v"]), "wrk": version_of(["wrk", "-v"])},
    }
    meta["versions"].update(peer_versions(args))
    log("machine: %s; load %s; servers on CPU %s, wrk on CPU %s" % (
        meta["machine"]["cpu"], meta["load_average_before"], server_cpus or "-", client_cpus or "-"))

    run = Run(args, client_cpus, server_cpus)
    if args.instructions_only:
        try:
            run.start_upstreams()
            result = measure_instructions(callgrind_bin(args), run.dir, run.admin, run.ports["mock"],
                                          max(1, args.callgrind_requests), server_cpus, run.keep)
        finally:
            run.close()
        print(json.dumps(result, indent=2))
        return
    if args.extras_only:
        run_extras_only(run, meta, out_path)
        return
    extras = None
    try:
        run.start_upstreams()
        startup = run.start_gateways()
        run.start_tensorzero()
        run.start_litellm()
        run.check_targets()
        results, errors = run.load()
        stream = run.streams()
        instructions = None
        if args.callgrind_requests > 0:
            try:
                instructions = measure_instructions(callgrind_bin(args), run.dir, run.admin, run.ports["mock"],
                                                    args.callgrind_requests, server_cpus, run.keep)
            except Exception as error:
                log("callgrind run failed: %s" % error)
                instructions = {"error": str(error)}
        if args.extras:
            extras = measure_extras(run)
    finally:
        run.close()
    meta["load_average_after"] = load_average()
    meta["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    report = {"results": results, "stream": stream, "startup": startup, "rss": run.rss, "rounds": run.rounds,
              "instructions": instructions,
              "unavailable": run.unavailable, "errors": errors, "meta": meta}
    if extras is not None:
        report["extras"] = extras
    report["checks"] = checks(report)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    log("wrote %s (logs in %s)" % (out_path, run.dir))


def measure_extras(run):
    """The extras of issues #14 and #15 (scripts/bench/extras.py), on this run's nginx mock."""
    import extras  # beside this script; imported only when asked for
    return extras.measure(run)


def run_extras_only(run, meta, out_path):
    """Only the extras: the nginx mock (and the direct target as a reference), then the extra gateways."""
    try:
        run.start_upstreams()
        run.targets[0].check()
        extras = measure_extras(run)
    finally:
        run.close()
    meta["load_average_after"] = load_average()
    meta["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    report = {"extras": extras, "meta": meta}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    log("wrote %s (logs in %s)" % (out_path, run.dir))


def peer_versions(args):
    versions = {}
    for name, python in (("tensorzero", args.tensorzero_python),
                         ("litellm", str(Path(args.litellm_bin).parent / "python") if args.litellm_bin else None)):
        if python and Path(python).exists():
            done = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version(%r))" % name],
                                  capture_output=True, text=True, timeout=60)
            versions[name] = done.stdout.strip() or None
    return versions


# -- verdicts and the table ---------------------------------------------------------------------------------------

def row(report, target, connections, keys=None):
    for r in report["results"]:
        if r["target"] == target and r["connections"] == connections and (keys is None or r["keys"] == keys):
            return r
    return None


def checks(report):
    """Issue #13's targets, each with the measured figure and whether it is met (None: not measurable here)."""
    out = []

    def add(name, goal, measured, met):
        out.append({"check": name, "goal": goal, "measured": measured, "met": met})

    big = report["startup"]["keys"]
    gw, gwb = row(report, "gateway", 32, 10), row(report, "gateway", 32, big)
    ng, tz, ll = row(report, "nginx", 32), row(report, "tensorzero", 32), row(report, "litellm", 32)
    if gw and ng:
        ratio = gw["rps"] / ng["rps"]
        add("throughput_32_vs_nginx", ">= 0.40 x nginx", "%.2f x" % ratio, ratio >= 0.40)
    for peer, times in ((tz, 2), (ll, 1)):
        if gw and peer:
            add("throughput_32_vs_%s" % peer["target"], ">= %d x %s" % (times, peer["target"]),
                "%.0f vs %.0f rps (%.2f x)" % (gw["rps"], peer["rps"], gw["rps"] / peer["rps"]),
                gw["rps"] >= times * peer["rps"])
    g1, n1, d1 = row(report, "gateway", 1, 10), row(report, "nginx", 1), row(report, "direct", 1)
    if g1 and n1 and d1:
        added_gw, added_ng = g1["p50_ms"] - d1["p50_ms"], n1["p50_ms"] - d1["p50_ms"]
        add("added_p50_1conn", "<= 3 x nginx's", "%.3f ms vs nginx %.3f ms (%.1f x)" % (
            added_gw, added_ng, added_gw / added_ng if added_ng > 0 else float("inf")),
            added_gw <= 3 * max(added_ng, 0))
    if gw and gwb:
        ratio = gwb["rps"] / gw["rps"]
        add("throughput_%d_keys" % big, ">= 0.95 x 10 keys", "%.3f x" % ratio, ratio >= 0.95)
        add("rss_%d_keys" % big, "<= 100 MB", "%s MB" % gwb["rss_mb"], gwb["rss_mb"] is not None and gwb["rss_mb"] <= 100)
    streams = {s["target"]: s for s in report["stream"]["targets"] if "error" not in s}
    if "gateway" in streams and "direct" in streams:
        g, d = streams["gateway"], streams["direct"]
        add("stream_ttfb", "within 0.5 ms of direct", "+%.3f ms" % (g["ttfb_ms"] - d["ttfb_ms"]),
            g["ttfb_ms"] - d["ttfb_ms"] <= 0.5)
        # Reads can merge two events on the client side too (scheduling on a busy core), so the gateway is held
        # to what the same client sees from the upstream directly: all events, as many separate reads.
        add("stream_no_coalescing", "all %d events, in as many reads as direct" % report["stream"]["chunks"],
            "%d events in %g reads (direct %g); %d of %d reads held 2+ events (direct %d)" % (
                g["events"], g["reads_median"], d["reads_median"], g["coalesced_reads_total"],
                g["runs"] * g["reads_median"], d["coalesced_reads_total"]),
            g["events"] == report["stream"]["chunks"] and g["reads_median"] >= d["reads_median"])
    ins = report.get("instructions") or {}
    if "per_request" in ins:
        add("instructions_per_request", "<= 200,000 (gateway process, callgrind)", "%d" % ins["per_request"],
            ins["per_request"] <= 200_000)
    add("startup_%d_keys" % big, "<= 2 s", "%.3f s" % report["startup"]["startup_s"],
        report["startup"]["startup_s"] <= 2)
    add("import_%d_keys" % big, "<= 10 s", "%.3f s" % report["startup"]["import_s"],
        report["startup"]["import_s"] <= 10)
    return out


def fmt(value, digits):
    return "-" if value is None else ("%.*f" % (digits, value))


def table(report, markdown=False):
    lines = []
    header = ["target", "conns", "keys", "RPS", "p50 ms", "p99 ms", "RSS MB", "RPS/direct", "RPS/nginx",
              "+p50 ms", "+p50/nginx's"]
    rows = []
    for r in report.get("results", []):
        d, n = row(report, "direct", r["connections"]), row(report, "nginx", r["connections"])
        added = r["p50_ms"] - d["p50_ms"] if d else None
        n_added = n["p50_ms"] - d["p50_ms"] if d and n else None
        rows.append([r["target"], str(r["connections"]), "-" if r["keys"] is None else str(r["keys"]),
                     fmt(r["rps"], 0), fmt(r["p50_ms"], 3), fmt(r["p99_ms"], 3), fmt(r["rss_mb"], 1),
                     fmt(r["rps"] / d["rps"], 2) if d else "-", fmt(r["rps"] / n["rps"], 2) if n else "-",
                     fmt(added, 3) if r["target"] != "direct" else "-",
                     fmt(added / n_added, 1) if n_added and r["target"] not in ("direct", "nginx") else "-"])
    stream_header = ["target", "TTFB ms", "first event ms", "total ms", "events", "max events/read",
                     "coalesced reads"]
    stream_rows = [[s["target"], fmt(s["ttfb_ms"], 3), fmt(s["first_event_ms"], 3), fmt(s["total_ms"], 1),
                    str(s["events"]), str(s["max_events_per_read"]), str(s["coalesced_reads_total"])]
                   if "error" not in s else [s["target"], "error: " + s["error"][:60], "", "", "", "", ""]
                   for s in report.get("stream", {}).get("targets", [])]
    check_header = ["check", "goal", "measured", "met"]
    check_rows = [[c["check"], c["goal"], c["measured"], {True: "yes", False: "NO", None: "-"}[c["met"]]]
                  for c in report.get("checks", [])]

    def render(head, body):
        if markdown:
            out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
            return out + ["| " + " | ".join(r) + " |" for r in body]
        widths = [max(len(x) for x in col) for col in zip(head, *body)]
        return ["  ".join(x.ljust(w) for x, w in zip(r, widths)) for r in [head] + body]

    m = report["meta"]
    lines += ["%s run %s, commit %s: %s, %d cores, %.0f GiB, kernel %s; load average before %s, after %s" % (
        m["mode"], m["started_at"], m["versions"]["gateway_commit"], m["machine"]["cpu"], m["machine"]["cores"],
        m["machine"]["memory_gib"], m["machine"]["kernel"], m["load_average_before"], m.get("load_average_after")),
        ""]
    if "startup" in report:  # absent in an --extras-only run
        lines += render(header, rows)
        lines += [""] + render(stream_header, stream_rows)
        s = report["startup"]
        lines += ["", "start-up with %d keys: %.3f s (runs %s); import of %d keys: %.3f s over the admin API%s" % (
            s["keys"], s["startup_s"], s["startup_runs_s"], s["keys"], s["import_s"],
            ", %.3f s with the CLI" % s["cli_import_s"] if s.get("cli_import_s") else "")]
        ins = report.get("instructions") or {}
        if "per_request" in ins:
            lines += ["instructions per proxied request (callgrind, gateway process): %d over %d requests" % (
                ins["per_request"], ins["requests"])]
        lines += [""] + render(check_header, check_rows)
    if report.get("extras"):
        import extras  # beside this script
        lines += [""] + extras.table(report["extras"], render)
    if report.get("unavailable"):
        lines += [""] + ["not runnable: %s: %s" % kv for kv in report["unavailable"].items()]
    if report.get("errors"):
        lines += [""] + ["errors during load: %s" % json.dumps(report["errors"])]
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--report", metavar="FILE", help="print FILE as Markdown tables and exit")
    p.add_argument("--gateway-bin", help="the release-built ollama-pool binary")
    p.add_argument("--tensorzero-python", help="python of the venv with tensorzero installed")
    p.add_argument("--litellm-bin", help="litellm CLI of the venv with litellm[proxy] installed")
    p.add_argument("--quick", action="store_true", help="short smoke run (1 round of 3 s); writes .work/quick.json")
    p.add_argument("--out", help="results file (default results/latest.json, or .work/quick.json with --quick)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--duration", type=int, default=8, help="seconds per wrk run at 32 connections")
    p.add_argument("--duration-1", type=int, default=6, help="seconds per wrk run at 1 connection")
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per target and connection count")
    p.add_argument("--big-keys", type=int, default=100_000)
    p.add_argument("--peer-keys", type=int, default=10)
    p.add_argument("--startup-runs", type=int, default=3)
    p.add_argument("--stream-runs", type=int, default=20)
    p.add_argument("--stream-chunks", type=int, default=50)
    p.add_argument("--stream-gap-ms", type=float, default=2.0)
    p.add_argument("--client-cpus", default="0", help="CPUs for wrk and the stream client")
    p.add_argument("--server-cpus", default="1", help="CPUs for every server (mocks, nginx, gateway, peers)")
    p.add_argument("--no-pin", action="store_true", help="do not pin anything")
    p.add_argument("--wait-quiet", type=int, default=0, metavar="SECONDS",
                   help="first wait up to SECONDS for no Swift build to run and the load to drop")
    p.add_argument("--quiet-load", type=float, default=1.0, help="1-minute load average counted as quiet")
    p.add_argument("--litellm-start-timeout", type=int, default=300)
    p.add_argument("--callgrind-bin", help="pool-callgrind-server (default: beside --gateway-bin)")
    p.add_argument("--instructions-only", action="store_true",
                   help="only the callgrind instruction count (nginx mock + gateway), printed as JSON")
    # Two runs under valgrind (N and 2N requests, counted from the start): the difference is N requests' worth.
    p.add_argument("--callgrind-requests", type=int, default=0,
                   help="N for the instruction count under valgrind --tool=callgrind (0, the default, skips it; "
                        "--instructions-only uses at least 1)")
    p.add_argument("--extras", action="store_true",
                   help="also the extras of issues #14/#15 (scripts/bench/extras.py): PostgreSQL vs SQLite, a "
                        "rate-limited vs an unlimited token, a response-cache hit vs a proxied request")
    p.add_argument("--extras-only", action="store_true",
                   help="only the extras (no peers, no big pool, no streams); writes results/extras.json")
    return p.parse_args(argv)


if __name__ == "__main__":
    # SIGTERM/SIGHUP end the run like Ctrl-C, so the servers it started are stopped on the way out.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    arguments = parse_args(sys.argv[1:])
    if arguments.report:
        print(table(json.loads(Path(arguments.report).read_text()), markdown=True))
    elif not arguments.gateway_bin:
        sys.exit("--gateway-bin is required (run scripts/bench/run.sh)")
    else:
        for tool in ("nginx", "wrk", "taskset"):
            if not shutil.which(tool):
                sys.exit("%s is missing (run scripts/bench/run.sh, which installs it)" % tool)
        main(arguments)
