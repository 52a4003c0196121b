#!/usr/bin/env bash
# Run a command with a real, unlocked Secret Service keyring, as a desktop session would have:
#
#   scripts/with-keyring.sh CMD [ARGS...]
#
# CMD runs inside its own D-Bus session bus (dbus-run-session) in which gnome-keyring-daemon
# serves org.freedesktop.secrets with an unlocked "login" collection. The keyring lives in a
# temporary directory with a random password, so nothing touches the user's real keyrings and
# every run starts empty. CMD's exit code is returned; the bus and the daemon end with it.
#
# The daemon is this script's own: started in the foreground as our child (never daemonised),
# its pid exported as CUTOVER_KEYRING_DAEMON_PID, and checked to own the bus name before CMD
# starts. The bus has no service directories, so nothing can D-Bus-activate a second daemon:
# once a run saw its daemon vanish mid-way and a freshly activated, locked one take the name,
# and every keyring test after that failed on a prompt. Now a vanished daemon is a loud error
# (here, and in the tests' `real_keyring` fixture), never a silent substitute.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${1:-} != --inside-session ]]; then
  for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || {
      echo "$tool not found: run 'scripts/testenv.sh up' (installs gnome-keyring, dbus)" >&2
      exit 2
    }
  done
  config=$(mktemp /tmp/cutover-bus.XXXXXX.conf)
  # A session bus like the standard one, minus <standard_session_servicedirs/>: no activation.
  cat >"$config" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  status=0
  dbus-run-session --config-file="$config" -- "$here/with-keyring.sh" --inside-session "$@" ||
    status=$?
  rm -f "$config"
  exit "$status"
fi
shift

keyring_home=$(mktemp -d /tmp/cutover-keyring.XXXXXX)
daemon_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  if [[ -n $daemon_pid ]]; then
    kill "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$keyring_home"
}
trap cleanup EXIT

# The pid of whoever owns org.freedesktop.secrets on our bus ('' when nobody does).
secrets_owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
    sed -n 's/^ *uint32 //p'
}

# With no keyring yet, `--unlock` creates the "login" collection with the password read from
# stdin and makes it the default one: python-keyring's SecretService backend stores there without
# any prompt (a prompt would hang a headless run). XDG_DATA_HOME keeps its files in our temp dir.
password=$(head -c 24 /dev/urandom | base64)
mkdir -p "$keyring_home/data" "$keyring_home/runtime"
chmod 700 "$keyring_home/runtime"
printf '%s' "$password" | XDG_DATA_HOME=$keyring_home/data XDG_RUNTIME_DIR=$keyring_home/runtime \
  gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$keyring_home/daemon.out" 2>"$keyring_home/daemon.err" &
daemon_pid=$!
unset password

deadline=$((SECONDS + 10))
until [[ $(secrets_owner) == "$daemon_pid" ]]; do
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "with-keyring: gnome-keyring-daemon exited at start:" >&2
    cat "$keyring_home/daemon.err" >&2
    exit 2
  fi
  if ((SECONDS >= deadline)); then
    echo "with-keyring: gnome-keyring-daemon (pid $daemon_pid) did not take" \
      "org.freedesktop.secrets within 10 s (owner: '$(secrets_owner)')" >&2
    exit 2
  fi
  sleep 0.05
done
export CUTOVER_KEYRING_DAEMON_PID=$daemon_pid

set +e
"$@"
status=$?
set -e
if ! kill -0 "$daemon_pid" 2>/dev/null; then
  echo "with-keyring: the keyring daemon (pid $daemon_pid) was gone before the command ended;" \
    "its last words:" >&2
  tail -n 20 "$keyring_home/daemon.err" >&2
  ((status != 0)) || status=3
fi
exit "$status"
