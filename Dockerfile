# syntax=docker/dockerfile:1
# The image the day-before-ach schedule runs (ECR floats/collections-jobs): `floatctl run day-before-ach`.
# Builder: one virtual environment holding the wheel and its runtime dependencies, pinned by
# requirements.lock. Runtime: the same Python image, that environment, a nonroot user, nothing else.
# docs/deploy.md explains the choices; tests/infra/test_wheel_install.py replays the builder's steps.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY jobs ./jobs
COPY floatctl ./floatctl

# The wheel has no extras, so pip resolves only the runtime dependencies of pyproject.toml; every one
# of them is held to its requirements.lock pin by --constraint (the lock also pins the sandbox and dev
# extras, which nothing asks for and so nothing installs). Wheels only: no compiler is needed.
# pip and setuptools leave the environment afterwards: the container never installs anything.
RUN python -m pip wheel --no-deps --wheel-dir /tmp/wheels . \
 && python -m venv /opt/floatctl \
 && /opt/floatctl/bin/python -m pip install --only-binary=:all: --constraint requirements.lock /tmp/wheels/floatctl-*.whl \
 && /opt/floatctl/bin/python -m pip uninstall --yes pip setuptools

FROM ${PYTHON_IMAGE} AS runtime

# A fixed numeric nonroot user; the base image's own pip and setuptools go too (nothing installs at
# run time, and an unused setuptools only adds scanner findings).
RUN python -m pip uninstall --yes --no-cache-dir pip setuptools wheel \
 && groupadd --system --gid 10001 floatctl \
 && useradd --system --no-log-init --uid 10001 --gid floatctl --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin floatctl

COPY --from=builder /opt/floatctl /opt/floatctl

ENV PATH=/opt/floatctl/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# What `floatctl version` prints; last, so a new commit rebuilds only these layers.
ARG GIT_VERSION=unknown
ARG GIT_COMMIT=unknown
ARG GIT_COMMIT_DATE=unknown
ARG GIT_COMMIT_TIMESTAMP=unknown
ENV GIT_VERSION=${GIT_VERSION} \
    GIT_COMMIT=${GIT_COMMIT} \
    GIT_COMMIT_DATE=${GIT_COMMIT_DATE} \
    GIT_COMMIT_TIMESTAMP=${GIT_COMMIT_TIMESTAMP}
LABEL org.opencontainers.image.title="collections-jobs" \
      org.opencontainers.image.description="floatctl: the Float Service's day-before-ach batch" \
      org.opencontainers.image.version="${GIT_VERSION}" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.created="${GIT_COMMIT_DATE}"

USER 10001:10001
WORKDIR /tmp

# Exec form: floatctl (Python) is PID 1 and receives Fargate's SIGTERM itself, with no shell between
# to swallow it; the task definition's stopTimeout leaves room for the 25 s drain.
ENTRYPOINT ["floatctl"]
CMD ["run", "day-before-ach"]
