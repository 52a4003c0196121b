#!/usr/bin/env bash
# Run a command with a real, unlocked Secret Service keyring, as a desktop session would have:
#
#   scripts/with-keyring.sh CMD [ARGS...]
#
# CMD runs inside its own D-Bus session bus (dbus-run-session) in which gnome-keyring-daemon
# serves org.freedesktop.secrets with an unlocked "login" collection. The keyring lives in a
# temporary directory with a random password, so nothing touches the user's real keyrings and
# every run starts empty. CMD's exit code is returned; the bus and the daemon end with it.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [[ ${1:-} != --inside-session ]]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || {
      echo "$tool not found: run 'scripts/testenv.sh up' (installs gnome-keyring, dbus)" >&2
      exit 2
    }
  done
  exec dbus-run-session -- "$0" --inside-session "$@"
fi
shift

keyring_home=$(mktemp -d /tmp/cutover-keyring.XXXXXX)
daemon_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  # The daemon exits when the session bus goes away; stop it ourselves anyway, by its pid,
  # so its files can be removed.
  if [[ -n $daemon_pid ]]; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$keyring_home"
}
trap cleanup EXIT

# With no keyring yet, `--unlock` creates the "login" collection with the password read from
# stdin and makes it the default one: python-keyring's SecretService backend stores there without
# any prompt (a prompt would hang a headless run). XDG_DATA_HOME keeps its files in our temp dir.
password=$(head -c 24 /dev/urandom | base64)
mkdir -p "$keyring_home/data" "$keyring_home/runtime"
chmod 700 "$keyring_home/runtime"
daemon_env=$(printf '%s' "$password" | XDG_DATA_HOME=$keyring_home/data \
  XDG_RUNTIME_DIR=$keyring_home/runtime \
  gnome-keyring-daemon --unlock --components=secrets)
unset password
# It prints GNOME_KEYRING_CONTROL=... and SSH_AUTH_SOCK=...; only the pid is of use here.
daemon_pid=$(sed -n 's/^GNOME_KEYRING_PID=//p' <<<"$daemon_env")

set +e
"$@"
status=$?
set -e
exit "$status"
