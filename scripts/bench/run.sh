#!/usr/bin/env bash
# The side-by-side benchmark: installs what it needs (nginx and wrk from Debian, the peers TensorZero and LiteLLM
# from PyPI into venvs under scripts/bench/.work/), builds the gateway in release mode, then runs bench.py, which
# prints the table and writes scripts/bench/results/latest.json.
#
#   scripts/bench/run.sh                     full run (about 10-15 minutes on 2 cores)
#   scripts/bench/run.sh --quick             smoke run (1 short round; writes scripts/bench/.work/quick.json)
#   scripts/bench/run.sh --wait-quiet 1200   first wait up to 20 min for other builds to finish
#   scripts/bench/run.sh --help              every option of bench.py
#   scripts/bench/run.sh --report FILE       print a results file as Markdown tables
#   scripts/bench/run.sh --instructions-only instructions per proxied request under callgrind (a minute or two)
#   scripts/bench/run.sh --extras            the full run plus the extras of issues #14/#15 (scripts/bench/extras.py):
#                                            PostgreSQL vs SQLite, rate-limited vs unlimited token, cache hit vs proxied
#   scripts/bench/run.sh --extras-only       only those extras (a few minutes); writes scripts/bench/results/extras.json
#
# OLLAMA_POOL_BIN=/path/to/ollama-pool skips the build (pool-callgrind-server is expected beside it); BENCH_SKIP_PEERS=1 skips installing the peers.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=scripts/bench
case " $* " in  # nothing to install or build for these
  *" --help "*|*" -h "*|*" --report "*) exec python3 "$bench/bench.py" "$@" ;;
esac
work=$bench/.work
mkdir -p "$work"

need_apt=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v wrk >/dev/null || need_apt+=(wrk)
command -v taskset >/dev/null || need_apt+=(util-linux)
command -v valgrind >/dev/null || need_apt+=(valgrind)                # instructions per request (callgrind)
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)          # the gateway links the system SQLite
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
case " $* " in  # the extras start a throwaway PostgreSQL server
  *" --extras "*|*" --extras-only "*) compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || need_apt+=(postgresql) ;;
esac
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"

# A venv per peer (their dependency sets differ), rebuilt only when its pinned requirements change.
# A peer that does not install is reported as not runnable by bench.py; the rest of the run goes on.
peer_venv() {  # name requirements-file
  local venv=$work/venv-$1 req=$bench/requirements-$1.txt
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/requirements.txt"; then
    echo "installing $1 into $venv (once; can take minutes)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    if "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"; then
      cp "$req" "$venv/requirements.txt"
    else
      echo "warning: $1 did not install; it will be reported as not runnable" >&2
    fi
  fi
}
peer_args=()
if [ "${BENCH_SKIP_PEERS:-0}" != 1 ]; then
  peer_venv tensorzero
  peer_venv litellm
  [ -f "$work/venv-tensorzero/requirements.txt" ] && peer_args+=(--tensorzero-python "$work/venv-tensorzero/bin/python")
  [ -f "$work/venv-litellm/requirements.txt" ] && peer_args+=(--litellm-bin "$work/venv-litellm/bin/litellm")
fi

# The release build as production should make it: without dynamic exclusivity checks in every module. NIO's own
# checks (swift_beginAccess and its thread-local access set) were about 25k instructions of a proxied request
# under callgrind (issue #13); a root package's `unsafeFlags` reach only its own modules, which hold few of them,
# so the flag goes on the command line. Debug builds and tests keep the checks.
# The Swift runtime and Foundation linked in, as deploy/Dockerfile ships the binary: the ~700 retains and releases of
# a proxied request then call the runtime directly instead of through the PLT; 6-15 % more requests a second on one
# core than the same code linked against the toolchain's shared libraries.
release=(-c release -Xswiftc -enforce-exclusivity=unchecked --static-swift-stdlib)
bin=${OLLAMA_POOL_BIN:-}
if [ -z "$bin" ]; then
  echo "building ollama-pool (release)" >&2
  swift build "${release[@]}" --product ollama-pool >&2
  # The gateway behind a synchronous main, for the instruction count under valgrind (beside ollama-pool).
  swift build "${release[@]}" --product pool-callgrind-server >&2
  bin="$(swift build "${release[@]}" --show-bin-path)/ollama-pool"
fi

exec python3 "$bench/bench.py" --gateway-bin "$bin" ${peer_args[@]+"${peer_args[@]}"} "$@"
