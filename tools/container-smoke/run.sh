#!/usr/bin/env bash
# make container-smoke: build the real Dockerfile with podman on a locally made Debian bookworm base and
# check the image as Fargate runs it (docs/deploy.md). Needs root, podman, runc, debootstrap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${SMOKE_WORK:-/var/tmp/floatctl-container-smoke}
base=localhost/debian-bookworm-python:3.11
image=localhost/floats/collections-jobs:smoke
export CONTAINERS_CONF="$here/containers.conf"
fail() { echo "container-smoke: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (podman with runc and debootstrap, as on these VMs)"
if ! command -v podman > /dev/null || ! command -v runc > /dev/null || ! command -v debootstrap > /dev/null; then
  # A fresh machine of this kind has Debian's packages but not these: install them (about a minute).
  command -v apt-get > /dev/null || fail "needs podman, buildah, runc and debootstrap"
  echo "installing podman, buildah, runc, debootstrap (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc debootstrap \
    > "$work.apt.log" 2>&1 || { tail -20 "$work.apt.log"; fail "apt-get install failed"; }
fi
mkdir -p "$work"

if ! podman image exists "$base"; then
  # The stand-in for python:3.11-slim-bookworm: Debian's python3.11, `python` on PATH, no PEP 668
  # marker, and this machine's CA certificates (pip reaches PyPI through the egress proxy).
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,tzdata bookworm "$work/rootfs" \
    http://deb.debian.org/debian
  rm -f "$work"/rootfs/usr/lib/python3*/EXTERNALLY-MANAGED
  ln -sf python3 "$work/rootfs/usr/bin/python"
  cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$work/rootfs" update-ca-certificates >/dev/null
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$work/rootfs/etc/pip.conf"
  rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
  tar -C "$work/rootfs" -c . | podman import -q - "$base"
fi

commit=$(git -C "$repo" rev-parse HEAD)
build() {
  podman build --network host --build-arg PYTHON_IMAGE="$base" --build-arg GIT_VERSION=smoke \
    --build-arg GIT_COMMIT="$commit" --build-arg GIT_COMMIT_DATE="$(git -C "$repo" show -s --format=%cI HEAD)" \
    --build-arg GIT_COMMIT_TIMESTAMP="$(git -C "$repo" show -s --format=%ct HEAD)" \
    "$@" -t "$image" "$repo" > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
}
start=$(date +%s)
build
# buildah reuses a cached `ENV X=${ARG}` layer when only the build-arg changed (containers/buildah#5501,
# open); BuildKit, which CI uses, keys the cache on the value. So: check, and rebuild uncached if stale.
if ! podman run --rm "$image" version | grep -q "commit ${commit:0:12}"; then
  echo "build: stale version layer (buildah#5501); rebuilding without the cache"
  build --no-cache
fi
echo "build: $(( $(date +%s) - start )) s; image $(podman image inspect "$image" --format '{{.Size}}') bytes"

# As the task definition runs it: read-only root, a writable /tmp volume, no network needed for these.
run() { podman run --rm --read-only --read-only-tmpfs=false -v floatctl-smoke-tmp:/tmp "$@"; }
run "$image" version
run "$image" run day-before-ach --help > /dev/null && echo "run day-before-ach --help: ok"
uid=$(run --entrypoint id "$image" -u)
[ "$uid" = 10001 ] || fail "the image runs as uid $uid, not 10001"
echo "uid: $uid"
cmd=$(podman image inspect "$image" --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}')
[ "$cmd" = '["floatctl"] ["run","day-before-ach"]' ] || fail "entrypoint/cmd is $cmd, not the exec form"
echo "entrypoint/cmd: $cmd (exec form)"
leaked=$(run --entrypoint /opt/floatctl/bin/python "$image" -c \
  "import importlib.metadata as m; n={d.metadata['Name'].lower() for d in m.distributions()}; print(sorted(n & {'floatctl-sandbox','moto','pgserver','pytest','ruff','flask','werkzeug','pip','setuptools'}))")
[ "$leaked" = "[]" ] || fail "sandbox/dev/installer packages inside: $leaked"
sandbox_code=$(run --entrypoint /opt/floatctl/bin/python "$image" -c \
  "import importlib.util as u; print(u.find_spec('floatctl_sandbox') is not None)")
[ "$sandbox_code" = False ] || fail "floatctl_sandbox is importable inside the image"
echo "no sandbox/dev/installer package inside"
run --entrypoint /opt/floatctl/bin/python "$image" -c \
  "import zoneinfo; zoneinfo.ZoneInfo('America/New_York'); import jobs, floatctl.cli; print('imports and tzdata: ok')"

# The default command with the task definition's environment (terraform's, pointed at the host sandbox
# by task_env.py), as the 19:00 fire would start it: to SUCCEEDED; then SIGTERM mid-run -> 143, INTERRUPTED.
venv="$repo/.venv/bin"
[ -x "$venv/floatctl" ] || { echo "container-smoke: needs the project's .venv (make run or make test first)"; exit 1; }
export FLOATCTL_SANDBOX_DIR="$work/sandbox"
# The data directory doubles as pgserver's socket directory: it is opened to uid 10001 below and closed
# again before any (re)start, because PostgreSQL refuses a data directory other users may enter.
pg_dir="$FLOATCTL_SANDBOX_DIR/pg"
close_pg() { [ -d "$pg_dir" ] && chmod 0700 "$pg_dir"; return 0; }
trap '"$venv/floatctl" sandbox down > /dev/null 2>&1 || true; close_pg' EXIT
"$venv/floatctl" sandbox down > /dev/null 2>&1 || true
close_pg
"$venv/floatctl" sandbox up > /dev/null
# The latest fire day (today in New York if it is a business day), 30 s after its 19:00 ET fire.
read -r run_date now < <("$venv/python" -c "
from datetime import datetime, time, timedelta
from jobs.domain import calendar
day = datetime.now(calendar.NEW_YORK).date()
while not calendar.is_business_day(day):
    day -= timedelta(days=1)
print(day.isoformat(), datetime.combine(day, time(19, 0, 30), calendar.NEW_YORK).isoformat())")
export FLOATCTL_NOW="$now"
socket_dir=$("$venv/floatctl" -o json sandbox status | "$venv/python" -c \
  "import json, sys, urllib.parse as u; print(u.parse_qs(u.urlsplit(json.load(sys.stdin)['postgres_uri']).query)['host'][0])")
chmod o+x "$socket_dir"  # uid 10001 reaches the Postgres socket (pgserver's directory is owner-only)
"$venv/python" "$here/task_env.py" "$FLOATCTL_SANDBOX_DIR" > "$work/task.env"
echo "FLOATCTL_NOW=$now" >> "$work/task.env"
task() { run --network host -v "$socket_dir:$socket_dir" --env-file "$work/task.env" "$@"; }
run_status() {
  "$venv/floatctl" -o json status --date "$run_date" | "$venv/python" -c \
    "import json, sys; run = json.load(sys.stdin)['run']; print(run['status'] if run else 'none')"
}

"$venv/floatctl" sandbox seed --floats 24 --date "$run_date" > /dev/null
podman rm -f floatctl-smoke-run > /dev/null 2>&1 || true
start=$(date +%s)
task --name floatctl-smoke-run "$image" > "$work/run.log" 2>&1 && code=0 || code=$?
status=$(run_status)
paid=$("$venv/floatctl" -o json sandbox payments | "$venv/python" -c "import json, sys; print(len(json.load(sys.stdin)))")
echo "default command: exit $code, run $status, $paid payments, $(( $(date +%s) - start )) s"
if [ "$code" != 0 ] || [ "$status" != SUCCEEDED ] || [ "$paid" -le 0 ]; then
  tail -20 "$work/run.log"; fail "the default command did not end SUCCEEDED with payments"
fi

"$venv/floatctl" sandbox seed --floats 120 --date "$run_date" > /dev/null
"$venv/floatctl" sandbox faults set payments.latency_ms=2000 > /dev/null  # a run of minutes
podman rm -f floatctl-smoke-term > /dev/null 2>&1 || true
podman run -d --read-only --read-only-tmpfs=false -v floatctl-smoke-tmp:/tmp --network host \
  -v "$socket_dir:$socket_dir" --env-file "$work/task.env" --name floatctl-smoke-term "$image" > /dev/null
for _ in $(seq 60); do [ "$(run_status)" = RUNNING ] && break; sleep 1; done
[ "$(run_status)" = RUNNING ] || fail "the second run never reached RUNNING"
# PID 1 of the default command is floatctl's Python itself (exec form): SIGTERM reaches it, no shell between.
pid1=$(podman exec floatctl-smoke-term cat /proc/1/cmdline | tr '\0' ' ')
case "$pid1" in
  /opt/floatctl/bin/python*" /opt/floatctl/bin/floatctl run day-before-ach "*) echo "PID 1: $pid1" ;;
  *) fail "PID 1 is '$pid1', not floatctl's python" ;;
esac
sleep 3
podman kill --signal TERM floatctl-smoke-term > /dev/null
code=$(podman wait floatctl-smoke-term)
podman logs floatctl-smoke-term > "$work/term.log" 2>&1 || true
podman rm -f floatctl-smoke-term > /dev/null 2>&1 || true
"$venv/floatctl" sandbox faults clear > /dev/null
status=$(run_status)
echo "SIGTERM mid-run: exit $code, run $status"
if [ "$code" != 143 ] || [ "$status" != INTERRUPTED ]; then
  tail -20 "$work/term.log"; fail "SIGTERM did not end in 143 with an INTERRUPTED record"
fi
echo "container-smoke: passed"
