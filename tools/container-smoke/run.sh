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

start=$(date +%s)
podman build --network host --build-arg PYTHON_IMAGE="$base" --build-arg GIT_VERSION=smoke \
  --build-arg GIT_COMMIT="$(git -C "$repo" rev-parse HEAD)" -t "$image" "$repo" > "$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; exit 1; }
echo "build: $(( $(date +%s) - start )) s; image $(podman image inspect "$image" --format '{{.Size}}') bytes"

# As the task definition runs it: read-only root, a writable /tmp volume, no network needed for these.
run() { podman run --rm --read-only --read-only-tmpfs=false -v floatctl-smoke-tmp:/tmp "$@"; }
run "$image" version
run "$image" run day-before-ach --help > /dev/null && echo "run day-before-ach --help: ok"
uid=$(run --entrypoint id "$image" -u); [ "$uid" = 10001 ] && echo "uid: $uid"
pid1=$(run --entrypoint /opt/floatctl/bin/python "$image" -c \
  "import os; print(open('/proc/1/cmdline','rb').read().split(b'\0')[0].decode())")
echo "PID 1 under --entrypoint python: $pid1"
cmd=$(podman image inspect "$image" --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}')
[ "$cmd" = '["floatctl"] ["run","day-before-ach"]' ] && echo "entrypoint/cmd: $cmd (exec form: floatctl is PID 1)"
leaked=$(run --entrypoint /opt/floatctl/bin/python "$image" -c \
  "import importlib.metadata as m; n={d.metadata['Name'].lower() for d in m.distributions()}; print(sorted(n & {'floatctl-sandbox','moto','pgserver','pytest','ruff','flask','werkzeug','pip','setuptools'}))")
[ "$leaked" = "[]" ] && echo "no sandbox/dev/installer package inside"
run --entrypoint /opt/floatctl/bin/python "$image" -c \
  "import zoneinfo; zoneinfo.ZoneInfo('America/New_York'); import jobs, floatctl.cli; print('imports and tzdata: ok')"
echo "container-smoke: passed"
