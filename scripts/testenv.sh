#!/usr/bin/env bash
# The real test environment: a Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler), a private Docker Engine with a local busybox image,
# and the docker-compose v2 binary. See ../shared/TESTENV.md for why each piece is real.
#
#   scripts/testenv.sh up       start everything (idempotent: a healthy environment is left alone)
#   scripts/testenv.sh down     stop everything by pid and remove the state (keeps the binary cache)
#   scripts/testenv.sh status   say what runs
#
# State (pids, logs, kubeconfigs, env.sh) lives in $CUTOVER_TESTENV (default /tmp/cutover-testenv).
# Kubernetes binaries are built once from Debian's `kubernetes` source package and cached in
# ${XDG_CACHE_HOME:-~/.cache}/compose-cutover/kubernetes-<version>/, outside the repo.
set -Eeuo pipefail # -E: the ERR trap below also reports failures inside functions

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${CUTOVER_TESTENV:-/tmp/cutover-testenv}
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/compose-cutover
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
IMAGE=local/busybox:1
K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)
# Order matters: started left to right, stopped right to left.
SERVICES=(etcd kube-apiserver kube-controller-manager kube-scheduler dockerd)
PACKAGES=(etcd-server golang-go rsync make dpkg-dev openssl docker.io busybox-static
  gnome-keyring dbus dbus-user-session libsecret-tools tmux curl iproute2
  golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev)
# The last two are Go sources, used to repair the Kubernetes build (see build_k8s).

# A failing command under `set -e` would otherwise end the script without a word.
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

log() { printf '[testenv] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Packages and the Kubernetes binary cache
# ---------------------------------------------------------------------------------------------

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_updated=false
apt_update_once() {
  if ! $apt_updated; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=true
  fi
}

# A cache directory counts only when all three binaries are in it (a build killed half-way
# must not be mistaken for a finished one).
cached_k8s_dir() {
  local dir bin
  for dir in "$CACHE_ROOT"/kubernetes-*/; do
    [[ -d $dir ]] || continue
    for bin in "${K8S_BINARIES[@]}"; do [[ -x $dir/$bin ]] || continue 2; done
    printf '%s\n' "${dir%/}"
    return 0
  done
  return 1
}

# Debian only has `deb` entries by default; the source package needs a `deb-src` twin of them.
# We copy the machine's own deb822 Debian entries (same mirror, suites and signing key) so no
# host name is invented here.
ensure_deb_src() {
  local target=/etc/apt/sources.list.d/cutover-deb-src.sources
  [[ -f $target ]] && return 0
  local src=/etc/apt/sources.list.d/debian.sources
  [[ -f $src ]] || die "no deb822 Debian entry ($src) to derive deb-src from"
  log "adding deb-src entries from $src to $target"
  sed -e 's/^Types:.*deb.*$/Types: deb-src/' "$src" >"$target"
  apt_updated=false # the new entries need their own index
}

ensure_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do is_installed "$pkg" || missing+=("$pkg"); done
  cached_k8s_dir >/dev/null || ensure_deb_src
  if ((${#missing[@]})); then
    apt_update_once
    log "installing: ${missing[*]}"
    # policy-rc.d (present on this kind of machine) keeps the packaged etcd/docker services from
    # starting; we never use them, we start private instances on our own ports and sockets.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build_k8s() {
  apt_update_once
  local work version dsc src
  work=$(mktemp -d /tmp/cutover-k8s-build.XXXXXX)
  # apt downloads as its own user, _apt, which must be able to write there.
  if id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
  # The source tree is ~1 GB unpacked: never leave it behind, whatever happens.
  BUILD_DIR=$work
  trap 'rm -rf "$BUILD_DIR"' EXIT
  log "fetching Debian's kubernetes source package into $work"
  (cd "$work" && apt-get source --download-only -qq kubernetes >/dev/null)
  local found=("$work"/kubernetes_*.dsc)
  dsc=${found[0]}
  [[ -f $dsc ]] || die "apt-get source fetched no kubernetes_*.dsc"
  version=$(sed -n 's/^Version: //p' "$dsc")
  src=$work/src
  # apt already checked the files against the signed archive index; dpkg-source's own
  # signature check only warns that no Debian keyring is installed.
  dpkg-source -x "$dsc" "$src" >"$work/extract.log" 2>&1 || { cat "$work/extract.log" >&2; die "dpkg-source failed"; }
  log "building ${K8S_BINARIES[*]} from kubernetes $version (about 5 minutes on 2 cores)"
  local started=$SECONDS
  (
    cd "$src"
    # Kubernetes 1.20 vendors reflect2 v1.0.1 and json-iterator v1.1.10. Built with Go >= 1.18
    # (bookworm has 1.19) the apiserver panics on every JSON body holding a map (nil pointer in
    # reflect2.Type2: labels, data, ...), so every create fails. reflect2 v1.0.2 and json-iterator
    # v1.1.12 are the upstream fix, same API; Debian packages their sources, we vendor them in.
    local dep file
    for dep in modern-go/reflect2 json-iterator/go; do
      rm -f "vendor/github.com/$dep"/*.go "vendor/github.com/$dep"/*.s
      for file in /usr/share/gocode/src/github.com/"$dep"/*.{go,s}; do
        if [[ -f $file && $file != *_test.go ]]; then cp "$file" "vendor/github.com/$dep/"; fi
      done
    done
    # The build wants the tree at $GOPATH/src/k8s.io/kubernetes (pre-modules layout).
    mkdir -p .go/src/k8s.io
    ln -sfn ../../.. .go/src/k8s.io/kubernetes
    env GOPATH="$src/.go" HOME="$work/home" CGO_ENABLED=0 \
      make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler"
  ) >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; die "kubernetes build failed"; }
  local dest=$CACHE_ROOT/kubernetes-$version bin
  mkdir -p "$dest.partial"
  for bin in "${K8S_BINARIES[@]}"; do
    install -m 0755 "$src/_output/local/bin/linux/amd64/$bin" "$dest.partial/$bin"
  done
  rm -rf "$dest" && mv "$dest.partial" "$dest"
  log "built in $((SECONDS - started)) s, cached in $dest"
  rm -rf "$work"
  trap - EXIT
}

# ---------------------------------------------------------------------------------------------
# Process handling: every process we start has a pidfile; we stop by that pid only.
# ---------------------------------------------------------------------------------------------

pidfile() { printf '%s/pids/%s.pid\n' "$STATE" "$1"; }

# Alive and still the program we started (guards against a recycled pid).
running() {
  local pf pid
  pf=$(pidfile "$1")
  [[ -f $pf ]] || return 1
  pid=$(<"$pf")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$1"
}

# start NAME CMD...: run CMD detached (own session, so a closing terminal or a killed caller's
# process group doesn't take it down) with output in logs/NAME.log. The pid written is the one
# that execs CMD, not a wrapper's.
start() {
  local name=$1
  shift
  log "starting $name"
  local pf deadline=$((SECONDS + 10))
  pf=$(pidfile "$name")
  rm -f "$pf"
  # shellcheck disable=SC2016 # $$ and $@ are the inner shell's
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pf" "$@" \
    >"$STATE/logs/$name.log" 2>&1 </dev/null &
  until [[ -s $pf ]]; do
    ((SECONDS < deadline)) || fail_with_log "$name" "$name did not start"
    sleep 0.05
  done
}

fail_with_log() {
  local name=$1
  shift
  log "ERROR: $*"
  log "last lines of $STATE/logs/$name.log:"
  tail -n 30 "$STATE/logs/$name.log" >&2 || true
  exit 1
}

# wait_for NAME SECONDS CMD...: poll CMD until it succeeds; fail early if NAME died.
wait_for() {
  local name=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    running "$name" || fail_with_log "$name" "$name exited"
    ((SECONDS < deadline)) || fail_with_log "$name" "$name not ready after $2 s"
    sleep 0.2
  done
}

# Our daemons outlive `up`, so their parent is PID 1, which may be slow to reap them: an exited
# one lingers as a zombie (state Z) and must count as gone.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

stop() {
  local name=$1 pf pid deadline
  pf=$(pidfile "$name")
  [[ -f $pf ]] || return 0
  pid=$(<"$pf")
  if running "$name"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 20))
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "$pid"; then
      log "$name did not stop in 20 s, killing"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pf"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------

admin_token() { grep ',admin,' "$STATE/k8s/tokens.csv" | cut -d, -f1; }

# kube_api METHOD PATH [JSON]: raw REST as admin; curl keeps this script free of the venv.
kube_api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-sS --fail-with-body --cacert "$STATE/k8s/certs/apiserver.crt"
    -H "Authorization: Bearer $(admin_token)" -X "$method" "$APISERVER$path")
  if [[ -n $body ]]; then
    local ctype=application/json
    [[ $method == PATCH ]] && ctype=application/merge-patch+json
    args+=(-H "Content-Type: $ctype" --data "$body")
  fi
  curl "${args[@]}"
}

apiserver_ready() {
  curl -sS --fail --cacert "$STATE/k8s/certs/apiserver.crt" \
    -H "Authorization: Bearer $(admin_token)" "$APISERVER/readyz"
}

write_kubeconfig() { # FILE USER... (the first user's context is current)
  local file=$1 user
  shift
  {
    cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cutover-test
  cluster:
    server: $APISERVER
    certificate-authority: $STATE/k8s/certs/apiserver.crt
contexts:
EOF
    for user in "$@"; do
      printf -- '- name: %s@cutover-test\n  context:\n    cluster: cutover-test\n    user: %s\n    namespace: default\n' "$user" "$user"
    done
    echo "current-context: $1@cutover-test"
    echo "users:"
    for user in "$@"; do
      printf -- '- name: %s\n  user:\n    token: %s\n' "$user" "$(grep ",$user," "$STATE/k8s/tokens.csv" | cut -d, -f1)"
    done
  } >"$file"
  chmod 600 "$file"
}

start_kubernetes() {
  local bin=$1 k8s=$STATE/k8s
  mkdir -p "$k8s/certs" "$k8s/etcd"

  local etcd_port etcd_peer_port api_port cm_port sched_port
  etcd_port=$(free_port)
  etcd_peer_port=$(free_port)
  api_port=$(free_port)
  cm_port=$(free_port)
  sched_port=$(free_port)
  APISERVER=https://127.0.0.1:$api_port

  start etcd etcd --name cutover-test --data-dir "$k8s/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "cutover-test=http://127.0.0.1:$etcd_peer_port"
  wait_for etcd 30 curl -sSf "http://127.0.0.1:$etcd_port/health"

  # Service-account signing keys, and static bearer tokens for the two test identities.
  openssl genrsa -out "$k8s/sa.key" 2048 2>/dev/null
  openssl rsa -in "$k8s/sa.key" -pubout -out "$k8s/sa.pub" 2>/dev/null
  {
    echo "$(openssl rand -hex 16),admin,uid-admin,\"system:masters\""
    echo "$(openssl rand -hex 16),viewer,uid-viewer"
  } >"$k8s/tokens.csv"
  chmod 600 "$k8s/tokens.csv" "$k8s/sa.key"

  # The apiserver writes a self-signed serving cert (with its own CA) for 127.0.0.1 into
  # --cert-dir; clients verify against that file instead of skipping TLS verification.
  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --service-account-key-file="$k8s/sa.pub" \
    --service-account-signing-key-file="$k8s/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc \
    --cert-dir="$k8s/certs" --secure-port="$api_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --authorization-mode=RBAC --token-auth-file="$k8s/tokens.csv" \
    --service-cluster-ip-range=10.0.0.0/24
  wait_for kube-apiserver 60 apiserver_ready

  write_kubeconfig "$STATE/admin.kubeconfig" admin
  write_kubeconfig "$STATE/viewer.kubeconfig" viewer
  write_kubeconfig "$STATE/multi.kubeconfig" admin viewer

  # Without a kubelet the node-lifecycle controller would mark our Nodes NotReady and taint
  # them after ~40 s, so it is switched off. The secure port is only for our health check.
  # The PV binder re-examines Pending claims every 15 s by default; 1 s keeps tests short
  # (the binding itself is the real controller's).
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$STATE/admin.kubeconfig" \
    --service-account-private-key-file="$k8s/sa.key" \
    --root-ca-file="$k8s/certs/apiserver.crt" \
    --leader-elect=false --use-service-account-credentials=false \
    --bind-address=127.0.0.1 --port=0 --secure-port="$cm_port" \
    --cert-dir="$k8s/certs-cm" --controllers='*,-nodelifecycle' --pvclaimbinder-sync-period=1s
  start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$STATE/admin.kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --port=0 --secure-port="$sched_port" --cert-dir="$k8s/certs-sched"
  wait_for kube-controller-manager 60 curl -sSfk "https://127.0.0.1:$cm_port/healthz"
  wait_for kube-scheduler 60 curl -sSfk "https://127.0.0.1:$sched_port/healthz"
  # The default ServiceAccount and its token are what let pods be created at all.
  wait_for kube-controller-manager 60 default_sa_has_token

  kube_api POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
    "metadata": {"name": "viewer-view"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}]
  }' >/dev/null
  create_node node-1 192.0.2.11
  create_node node-2 192.0.2.12
}

default_sa_has_token() {
  kube_api GET /api/v1/namespaces/default/serviceaccounts/default | grep -q '"secrets"'
}

# There is no kubelet: Nodes are plain objects that say they are Ready, so the real scheduler
# places pods on them; tests then play kubelet by patching pod status (tests/support/fake_kubelet.py).
# The addresses are from TEST-NET-1: documentation only, nothing ever connects to them.
create_node() {
  local name=$1 ip=$2 now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  kube_api POST /api/v1/nodes "{
    \"apiVersion\": \"v1\", \"kind\": \"Node\",
    \"metadata\": {\"name\": \"$name\", \"labels\": {\"kubernetes.io/hostname\": \"$name\",
      \"kubernetes.io/os\": \"linux\", \"kubernetes.io/arch\": \"amd64\"}}
  }" >/dev/null
  # Status is a subresource: set it explicitly. The TaintNodesByCondition admission plugin adds a
  # not-ready taint on create that only the (disabled) node-lifecycle controller would remove.
  kube_api PATCH "/api/v1/nodes/$name/status" "{\"status\": {
    \"capacity\": {\"cpu\": \"8\", \"memory\": \"32Gi\", \"pods\": \"110\"},
    \"allocatable\": {\"cpu\": \"8\", \"memory\": \"32Gi\", \"pods\": \"110\"},
    \"addresses\": [{\"type\": \"InternalIP\", \"address\": \"$ip\"}, {\"type\": \"Hostname\", \"address\": \"$name\"}],
    \"nodeInfo\": {\"kubeletVersion\": \"v1.20.2\", \"containerRuntimeVersion\": \"docker://20.10.24\",
      \"operatingSystem\": \"linux\", \"architecture\": \"amd64\", \"osImage\": \"fake\", \"kernelVersion\": \"fake\",
      \"kubeProxyVersion\": \"v1.20.2\", \"machineID\": \"\", \"systemUUID\": \"\", \"bootID\": \"\"},
    \"conditions\": [
      {\"type\": \"Ready\", \"status\": \"True\", \"reason\": \"KubeletReady\", \"message\": \"fake kubelet is posting ready status\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"MemoryPressure\", \"status\": \"False\", \"reason\": \"KubeletHasSufficientMemory\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"DiskPressure\", \"status\": \"False\", \"reason\": \"KubeletHasNoDiskPressure\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"PIDPressure\", \"status\": \"False\", \"reason\": \"KubeletHasSufficientPID\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"}
    ]}}" >/dev/null
  kube_api PATCH "/api/v1/nodes/$name" '{"spec": {"taints": null}}' >/dev/null
}

# ---------------------------------------------------------------------------------------------
# Docker Engine, busybox image, docker-compose
# ---------------------------------------------------------------------------------------------

docker_ready() { DOCKER_HOST=$DOCKER_URL docker version --format '{{.Server.Version}}'; }

# The daemon's own network namespace, named after the state dir so that two environments
# (a developer's `make env-up` and a `make test` run) never share one.
netns_name() { printf 'cutover-%s\n' "$(printf '%s' "$STATE" | md5sum | cut -c1-8)"; }

start_docker() {
  local d=$STATE/docker netns
  mkdir -p "$d"
  DOCKER_URL=unix://$d/docker.sock
  # A private daemon on its own socket, data and exec roots: the packaged service and
  # /var/run/docker.sock are never touched. It also runs in a network namespace of its own
  # (entered with nsenter, which unlike `ip netns exec` keeps the host's cgroup mounts that
  # dockerd needs): its docker0, project bridges and iptables chains (dockerd rewrites the
  # DOCKER chains and sets FORWARD to DROP on start) stay in there, so a second environment or
  # a host dockerd can't break its container-to-container traffic, nor it theirs. The unix
  # socket is a file, reachable from the host. The cost: published ports listen inside the
  # namespace (reach them with `ip netns exec NAME ...`), not on the host's 127.0.0.1.
  netns=$(netns_name)
  [[ -e /run/netns/$netns ]] || ip netns add "$netns"
  ip netns exec "$netns" ip link set lo up
  # --shutdown-timeout: test containers are disposable; don't wait 15 s for each on `down`.
  start dockerd nsenter --net="/run/netns/$netns" dockerd --host "$DOCKER_URL" \
    --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" --shutdown-timeout 2
  wait_for dockerd 60 docker_ready

  if ! DOCKER_HOST=$DOCKER_URL docker image inspect "$IMAGE" >/dev/null 2>&1; then
    # No registry is reachable: build the image from Debian's static busybox.
    log "importing $IMAGE from busybox-static"
    local rootfs applet
    rootfs=$(mktemp -d /tmp/cutover-busybox.XXXXXX)
    mkdir -p "$rootfs"/{bin,etc,tmp,var/www,root}
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in $("$rootfs/bin/busybox" --list); do
      [[ -e $rootfs/bin/$applet ]] || ln -s busybox "$rootfs/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
    chmod 1777 "$rootfs/tmp"
    tar -C "$rootfs" -c . | DOCKER_HOST=$DOCKER_URL docker import \
      --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - "$IMAGE" >/dev/null
    rm -rf "$rootfs"
  fi
}

compose_bin() {
  [[ -x $PYTHON ]] || die "no python at $PYTHON (run 'make venv', or set PYTHON)"
  local site bin
  site=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  bin=$site/compose/docker-compose
  [[ -f $bin ]] || die "$bin missing: install the test extras (pip install -e '.[test]')"
  # The wheel doesn't always keep the exec bit; and we call the binary itself because the
  # package's wrapper script drops the exit code.
  [[ -x $bin ]] || chmod +x "$bin"
  printf '%s\n' "$bin"
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

all_running() {
  local name
  for name in "${SERVICES[@]}"; do running "$name" || return 1; done
}

cmd_up() {
  [[ $(id -u) == 0 ]] || die "needs root (apt-get, dockerd)"
  local started=$SECONDS
  if [[ -f $STATE/env.sh ]] && all_running; then
    # shellcheck disable=SC1091
    APISERVER=$(. "$STATE/env.sh" && echo "$CUTOVER_TEST_APISERVER")
    if apiserver_ready >/dev/null 2>&1; then
      log "already up: $STATE/env.sh"
      return 0
    fi
  fi
  # Anything half-started before is cleared, so `up` always ends in one known state.
  [[ -d $STATE ]] && cmd_down

  ensure_packages
  local k8s_dir
  k8s_dir=$(cached_k8s_dir) || { build_k8s && k8s_dir=$(cached_k8s_dir); }
  local compose
  compose=$(compose_bin)

  mkdir -p "$STATE/pids" "$STATE/logs"
  start_kubernetes "$k8s_dir"
  start_docker

  cat >"$STATE/env.sh" <<EOF
# Written by scripts/testenv.sh up; source it to point tests at the real services.
export CUTOVER_TEST_STATE=$STATE
export CUTOVER_TEST_APISERVER=$APISERVER
export CUTOVER_TEST_ADMIN_KUBECONFIG=$STATE/admin.kubeconfig
export CUTOVER_TEST_VIEWER_KUBECONFIG=$STATE/viewer.kubeconfig
export CUTOVER_TEST_MULTI_KUBECONFIG=$STATE/multi.kubeconfig
export CUTOVER_TEST_DOCKER_HOST=$DOCKER_URL
export CUTOVER_TEST_COMPOSE_BIN=$compose
export CUTOVER_TEST_IMAGE=$IMAGE
EOF
  log "up in $((SECONDS - started)) s; source $STATE/env.sh"
}

cmd_down() {
  case $STATE in
    "" | / | "$HOME") die "refusing to remove state dir '$STATE'" ;;
  esac
  local i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop "${SERVICES[i]}"; done
  local netns
  netns=$(netns_name)
  if [[ -e /run/netns/$netns ]]; then ip netns delete "$netns"; fi
  # A dockerd that had to be killed can leave overlay/shm mounts under its roots; rm -rf would
  # fail on them.
  local mnt
  if [[ -d $STATE ]]; then
    awk -v s="$STATE/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r |
      while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
  fi
  rm -rf "$STATE"
  log "down"
}

cmd_status() {
  local name pid
  if [[ ! -d $STATE ]]; then
    echo "test environment is down (no $STATE)"
    return 0
  fi
  for name in "${SERVICES[@]}"; do
    pid=$(cat "$(pidfile "$name")" 2>/dev/null || echo -)
    if running "$name"; then
      printf '%-24s running  pid %s\n' "$name" "$pid"
    else
      printf '%-24s stopped\n' "$name"
    fi
  done
  [[ -f $STATE/env.sh ]] && grep '^export' "$STATE/env.sh" | sed 's/^export /  /'
  return 0
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
