#!/usr/bin/env python3
"""Issue #14's cluster figures on PostgreSQL, from the Swift tests that measure them (built beforehand with
`swift build --build-tests`; POOL_TEST_POSTGRES_URL names the test server, as scripts/test exports it):

- the flush cost with 100,000 keys and 3,000 changed keys per flush, and the read-back of those keys by another
  instance (`PostgresFlushBenchmarkTests`, run with POOL_BENCH_CLUSTER=1);
- the time from a health change on instance A (a key revoked by a 401) to its effect on instance B, over
  `--rounds` runs of `ClusterHealthTests` (8 changes each; real gateway processes): median and p99.

Prints the figures; asserts nothing about them. The tests run on the debug build unless --release is given.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys


def swift_test(filter_, extra_env, configuration):
    env = dict(os.environ, **extra_env)
    command = ["swift", "test", "--skip-build", "--filter", filter_]
    if configuration == "release":
        command[2:2] = ["-c", "release"]
    run = subprocess.run(command, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-4000:] + run.stderr[-2000:])
        raise SystemExit("swift test --filter %s failed" % filter_)
    return run.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="runs of the health propagation test (8 changes each)")
    parser.add_argument("--release", action="store_true", help="run the release build's tests")
    args = parser.parse_args()
    if not os.environ.get("POOL_TEST_POSTGRES_URL"):
        raise SystemExit("set POOL_TEST_POSTGRES_URL (scripts/test shows how to start a throwaway server)")
    configuration = "release" if args.release else "debug"

    output = swift_test("PostgresFlushBenchmarkTests", {"POOL_BENCH_CLUSTER": "1"}, configuration)
    for line in output.splitlines():
        if line.startswith("bench:"):
            print(line)

    delays = []
    for _ in range(args.rounds):
        output = swift_test("ClusterHealthTests", {}, configuration)
        match = re.search(r"cluster: health change .*: \[([0-9, ]+)\]", output)
        if match:
            delays += [int(value) for value in match.group(1).split(",")]
    if delays:
        delays.sort()
        p99 = delays[min(len(delays) - 1, int(round(0.99 * (len(delays) - 1))))]
        print("health change A→B (401 through A until B's admin view shows the key invalid): median %d ms, "
              "p99 %d ms over %d changes (%s build)" % (statistics.median(delays), p99, len(delays), configuration))


if __name__ == "__main__":
    main()
