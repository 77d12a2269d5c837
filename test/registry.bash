# Helpers for tests that run Debian's docker-registry on 127.0.0.1. Sourced; expects $w (a
# scratch directory) and adds the processes it starts to the array pids (kill them at exit).

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

# start_registry NAME [AUTH-YAML]: a docker-registry with its own storage; sets $port.
start_registry() {
  port=$(free_port)
  mkdir -p "$w/$1"
  {
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$w/$1/data"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
    [ -n "${2:-}" ] && printf '%s\n' "$2"
  } >"$w/$1/config.yml"
  docker-registry serve "$w/$1/config.yml" >"$w/$1/log" 2>&1 &
  pids+=($!)
  wait_port "$port" || { not_ok "$1 registry starts" "$(cat "$w/$1/log")"; done_testing; }
}
