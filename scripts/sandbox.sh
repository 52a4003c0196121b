#!/usr/bin/env bash
# A rehearsal on real services (make sandbox): the test environment in a state dir of its own, the
# bundled Email-RAG sample on it (tests/support/sandbox.py), then `cutover` in the foreground.
#
#   scripts/sandbox.sh up      environment + sample up (idempotent), then cutover; stays up after
#   scripts/sandbox.sh run     cutover again, against the sandbox that is up
#   scripts/sandbox.sh fix     apply assets/demo/k8s-fixed/ to the running sample
#   scripts/sandbox.sh down    everything stopped by pid, the state and work dirs removed
#
# CUTOVER_TESTENV (default /tmp/cutover-sandbox) is the environment's state dir: never the
# developer's /tmp/cutover-testenv. SANDBOX_WORKDIR (default /tmp/cutover-sandbox-work) holds the
# Compose file, its .env, cutover.yaml and the applied manifests. The pods run on the
# environment's real kubelet; the PVs' folders are in the environment's state dir.
# SAMPLE=fixed applies k8s-fixed/ over k8s/ from the start.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CUTOVER_TESTENV=${CUTOVER_TESTENV:-/tmp/cutover-sandbox}
WORKDIR=${SANDBOX_WORKDIR:-/tmp/cutover-sandbox-work}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
SAMPLE=${SAMPLE:-planted}
NAMESPACE=email-rag
PROJECT=email-rag

log() { printf '[sandbox] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $CUTOVER_TESTENV != /tmp/cutover-testenv ]] ||
  die "CUTOVER_TESTENV=/tmp/cutover-testenv is the developer's environment; pick another"

sandbox() { (cd "$ROOT" && "$PYTHON" -m tests.support.sandbox "$@" --workdir "$WORKDIR"); }

load_env() {
  [[ -f $CUTOVER_TESTENV/env.sh ]] || die "no sandbox environment ($CUTOVER_TESTENV): make sandbox"
  # shellcheck disable=SC1091
  source "$CUTOVER_TESTENV/env.sh"
}

run_cutover() {
  [[ -f $WORKDIR/sandbox.json ]] || die "no sandbox in $WORKDIR: make sandbox"
  local status=0
  # The keyring of with-keyring.sh is new on every run: values typed on the Secrets step live
  # in the cluster's Secret afterwards, not in a keyring that outlives cutover.
  (cd "$WORKDIR" && KUBECONFIG=$CUTOVER_TEST_ADMIN_KUBECONFIG DOCKER_HOST=$CUTOVER_TEST_DOCKER_HOST \
    "$ROOT/scripts/with-keyring.sh" "$ROOT/.venv/bin/cutover" \
    -f "$WORKDIR/docker-compose.prod.yml" -p "$PROJECT" -n "$NAMESPACE") || status=$?
  echo
  sandbox info
  log "cutover exited ($status); the sandbox stays up until make sandbox-down"
}

case ${1:-} in
  up)
    case $SAMPLE in
      planted) fixed=() ;;
      fixed) fixed=(--fixed) ;;
      *) die "SAMPLE=$SAMPLE: expected planted or fixed" ;;
    esac
    PYTHON=$PYTHON "$ROOT/scripts/testenv.sh" up
    load_env
    sandbox up --namespace "$NAMESPACE" --project "$PROJECT" "${fixed[@]}"
    if [[ -t 0 && -t 1 ]]; then
      run_cutover
    else
      log "no terminal: not opening cutover (make sandbox-run in one)"
    fi
    ;;
  run)
    load_env
    run_cutover
    ;;
  fix)
    load_env
    sandbox fix
    ;;
  down)
    if [[ -f $CUTOVER_TESTENV/env.sh && -f $WORKDIR/sandbox.json ]]; then
      # shellcheck disable=SC1091
      source "$CUTOVER_TESTENV/env.sh"
      sandbox down || log "sandbox down had problems (above); the environment goes anyway"
    fi
    "$ROOT/scripts/testenv.sh" down
    rm -rf "$WORKDIR"
    ;;
  *)
    echo "usage: $0 up|run|fix|down" >&2
    exit 2
    ;;
esac
