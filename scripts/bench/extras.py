"""The optional extra figures of issues #14 and #15 (`scripts/bench/run.sh --extras` or `--extras-only`):

- #14: one gateway instance on PostgreSQL vs the same on SQLite (10 keys each, the same nginx mock upstream);
- #15: a rate-limited client token (rpm and tpm far above what the load reaches, so every request runs the
  limiter and carries the x-ratelimit headers) vs an unlimited token of the same gateway (goal: within 5 %);
- #15: a response-cache hit (RESPONSE_CACHE_TTL set, the same body repeated) vs a proxied request.

Every target is loaded with wrk at 32 and at 1 connection, interleaved in each round like the main run; the
figures are ratios within one run (medians of the per-round ratios beside the ratio of the medians), which hold up
on a shared machine where raw numbers do not. The PostgreSQL server is a throwaway cluster made the way
`scripts/test` makes it (initdb in a temporary folder, a free 127.0.0.1 port, fsync off), stopped by its PID.
"""

import http.client
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import bench as b

# Limits no benchmark run reaches (the admin API accepts up to 1e12), so every request is counted and allowed.
LIMITED_POLICY = {"rpm": 1_000_000_000, "tpm": 100_000_000_000}
CACHE_TTL_S = 86_400


class PostgresCluster:
    """A throwaway PostgreSQL server: initdb into a temporary folder, pg_ctl start on a free loopback port with
    fsync off; stop() ends the postmaster by its PID (SIGINT, PostgreSQL's fast shutdown) and removes the folder."""

    name = "postgres"

    def __init__(self, cpus):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        bindir = bins[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="ollama-pool-bench-pg."))
        self.pid = None
        as_postgres = []
        if os.getuid() == 0:  # initdb refuses root
            shutil.chown(self.dir, "postgres")
            as_postgres = ["runuser", "-u", "postgres", "--"]
        pin = ["taskset", "-c", cpus] if cpus else []  # the server's backends inherit the affinity
        subprocess.run(as_postgres + [str(bindir / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                                      "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        self.port = b.free_port()
        options = ("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400" % (self.port, self.dir))
        subprocess.run(pin + as_postgres + [str(bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-l",
                                            str(self.dir / "server.log"), "-w", "-t", "60", "start", "-o", options],
                       check=True, capture_output=True, timeout=90)
        self.pid = int((self.dir / "data" / "postmaster.pid").read_text().splitlines()[0])
        self.url = "postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable" % self.port

    def stop(self, grace_s=15):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGINT)
                deadline = time.monotonic() + grace_s
                while time.monotonic() < deadline:
                    os.kill(self.pid, 0)
                    time.sleep(0.1)
            except ProcessLookupError:
                pass
            self.pid = None
        shutil.rmtree(self.dir, ignore_errors=True)


def answer_headers(target):
    """Status and headers (lower-case names) of one request through `target`, on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
    try:
        conn.request("POST", target.path, body=target.body.encode(), headers={
            "content-type": "application/json", "authorization": "Bearer " + target.token})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or b"choices" not in body:
            raise RuntimeError("%s answered %d: %s" % (target.name, response.status, body[:300]))
        return {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def check_extras(targets):
    """What each target must show for its figure to mean anything: the limited token gets the x-ratelimit
    headers and the unlimited one none; the cache target answers from the cache; the PostgreSQL gateway says so."""
    by = {t.name: t for t in targets}
    unlimited = answer_headers(by["gateway-sqlite"])
    limited = answer_headers(by["gateway-limited-token"])
    if any(k.startswith("x-ratelimit-") for k in unlimited):
        raise RuntimeError("the unlimited token got x-ratelimit headers: %s" % unlimited)
    for name in ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-limit-tokens"):
        if name not in limited:
            raise RuntimeError("the limited token's answer lacks %s: %s" % (name, limited))
    answer_headers(by["gateway-cache-hit"])  # stores the answer (a miss or already a hit)
    cached = answer_headers(by["gateway-cache-hit"])
    if cached.get("x-pool-cache") != "hit":
        raise RuntimeError("the cache target did not answer from the cache: %s" % cached)
    storage = b.health(by["gateway-postgres"].port).get("storage")
    if storage != "postgres":
        raise RuntimeError("the PostgreSQL gateway reports storage %r" % storage)
    return {"limited_headers": {k: v for k, v in limited.items() if k.startswith("x-ratelimit-")},
            "cache_header": cached.get("x-pool-cache"), "postgres_storage": storage}


def start_targets(run):
    """The extra gateways (each with 10 keys on the nginx mock) and their targets: SQLite with an unlimited and a
    limited token, PostgreSQL, and SQLite with the response cache on."""
    args, cpus, binary, admin = run.args, run.server_cpus, run.args.gateway_bin, run.admin
    mock_url = "http://127.0.0.1:%d" % run.ports["mock"]
    pg = run.keep(PostgresCluster(cpus))
    b.log("extras: PostgreSQL %s on port %d (pid %d)" % (pg.dir, pg.port, pg.pid))
    sqlite = b.setup_gateway("extras-sqlite", binary, b.free_port(), run.dir / "extras-sqlite.sqlite", admin,
                             mock_url, 10, run.dir, cpus, run.keep)
    limited = b.admin_post(sqlite["port"], admin, "/admin/tokens", dict(LIMITED_POLICY, name="bench-limited"))
    postgres = b.setup_gateway("extras-postgres", binary, b.free_port(), None, admin, mock_url, 10, run.dir, cpus,
                               run.keep, extra_env={"DATABASE_URL": pg.url,
                                                    "ENCRYPTION_KEY": "bench-" + secrets.token_hex(16)})
    cache = b.setup_gateway("extras-cache", binary, b.free_port(), run.dir / "extras-cache.sqlite", admin, mock_url,
                            10, run.dir, cpus, run.keep, extra_env={"RESPONSE_CACHE_TTL": str(CACHE_TTL_S)})
    targets = []
    for name, gw, token in (("gateway-sqlite", sqlite, sqlite["token"]),
                            ("gateway-postgres", postgres, postgres["token"]),
                            ("gateway-limited-token", sqlite, limited["token"]),
                            ("gateway-cache-hit", cache, cache["token"])):
        targets.append(b.Target(name, None, gw["port"], run.CHAT, b.UPSTREAM_MODEL, token, gw["server"]))
    return targets


def load(targets, args, client_cpus):
    """wrk at 32 and at 1 connection, a warm-up per target, then rounds with the targets interleaved."""
    samples = {}
    for connections in (32, 1):
        duration = args.duration if connections == 32 else args.duration_1
        for target in targets:
            b.run_wrk(target, connections, args.warmup, client_cpus)
        for r in range(args.rounds):
            for target in targets:
                result = b.run_wrk(target, connections, duration, client_cpus)
                samples.setdefault((target.name, connections), []).append(result)
                b.log("extras c=%-2d round %d/%d %-22s %8.0f rps  p50 %.3f ms  p99 %.3f ms  errors %s" % (
                    connections, r + 1, args.rounds, target.name, result["rps"], result["p50_us"] / 1e3,
                    result["p99_us"] / 1e3, sum(result["errors"].values())))
    return samples


def compare(samples, name, baseline, connections, goal=None):
    """`name` against `baseline` at `connections`: the ratio of median RPS, the median of the per-round RPS ratios
    (each pair measured seconds apart), and the p50 latencies."""
    runs, base = samples[(name, connections)], samples[(baseline, connections)]
    rps = statistics.median(s["rps"] for s in runs)
    base_rps = statistics.median(s["rps"] for s in base)
    p50 = statistics.median(s["p50_us"] for s in runs) / 1e3
    base_p50 = statistics.median(s["p50_us"] for s in base) / 1e3
    out = {"target": name, "baseline": baseline, "connections": connections,
           "rps": round(rps, 1), "baseline_rps": round(base_rps, 1), "rps_ratio": round(rps / base_rps, 3),
           "rps_ratio_paired": round(statistics.median(s["rps"] / t["rps"] for s, t in zip(runs, base)), 3),
           "p50_ms": round(p50, 3), "baseline_p50_ms": round(base_p50, 3), "p50_ratio": round(p50 / base_p50, 3)}
    if goal is not None:
        out["goal"] = goal
    return out


def measure(run):
    """The `extras` section of the results: per-target rows, the three comparisons, and the sanity checks."""
    targets = start_targets(run)
    checked = check_extras(targets)
    samples = load(targets, run.args, run.client_cpus)
    rows, errors = [], {}
    for connections in (32, 1):
        for target in targets:
            runs = samples[(target.name, connections)]
            rows.append({"target": target.name, "connections": connections,
                         "rps": round(statistics.median(s["rps"] for s in runs), 1),
                         "p50_ms": round(statistics.median(s["p50_us"] for s in runs) / 1e3, 3),
                         "p99_ms": round(statistics.median(s["p99_us"] for s in runs) / 1e3, 3),
                         "rps_rounds": [round(s["rps"]) for s in runs],
                         "p50_ms_rounds": [round(s["p50_us"] / 1e3, 3) for s in runs]})
            bad = sum(sum(s["errors"].values()) for s in runs)
            if bad:
                errors["%s c=%d" % (target.name, connections)] = bad
    comparisons = [
        compare(samples, "gateway-postgres", "gateway-sqlite", 32),
        compare(samples, "gateway-postgres", "gateway-sqlite", 1),
        compare(samples, "gateway-limited-token", "gateway-sqlite", 32, ">= 0.95 x unlimited RPS"),
        compare(samples, "gateway-limited-token", "gateway-sqlite", 1, ">= 0.95 x unlimited RPS"),
        compare(samples, "gateway-cache-hit", "gateway-sqlite", 32),
        compare(samples, "gateway-cache-hit", "gateway-sqlite", 1),
    ]
    return {"results": rows, "comparisons": comparisons, "checked": checked, "errors": errors,
            "method": "gateways with 10 keys on the nginx mock: gateway-sqlite (unlimited token) is the baseline; "
                      "gateway-limited-token is the same process with a token of rpm %d, tpm %d; gateway-postgres "
                      "uses a throwaway local PostgreSQL (fsync off); gateway-cache-hit has RESPONSE_CACHE_TTL=%d "
                      "and every request repeats the cached body. Targets interleaved in each round; compare "
                      "ratios, not raw numbers" % (LIMITED_POLICY["rpm"], LIMITED_POLICY["tpm"], CACHE_TTL_S)}


def table(extras, render):
    """The extras as text or Markdown lines (render(head, rows) formats them)."""
    head = ["target", "conns", "RPS", "p50 ms", "p99 ms"]
    rows = [[r["target"], str(r["connections"]), b.fmt(r["rps"], 0), b.fmt(r["p50_ms"], 3), b.fmt(r["p99_ms"], 3)]
            for r in extras["results"]]
    comp_head = ["figure", "conns", "RPS ratio", "per-round RPS ratio", "p50 ms vs baseline", "goal"]
    comp_rows = [[c["target"] + " / " + c["baseline"], str(c["connections"]), b.fmt(c["rps_ratio"], 3),
                  b.fmt(c["rps_ratio_paired"], 3), "%.3f vs %.3f" % (c["p50_ms"], c["baseline_p50_ms"]),
                  c.get("goal", "-")] for c in extras["comparisons"]]
    lines = ["extras (issues #14, #15): one interleaved run; compare the ratios, not raw numbers", ""]
    lines += render(head, rows) + [""] + render(comp_head, comp_rows)
    if extras.get("errors"):
        lines += ["", "errors during the extras load: %s" % json.dumps(extras["errors"])]
    return lines
