# The test Kubernetes API server (test/kube/apiserver.py) for a suite. Sourced after test/lib.sh;
# expects $w (a scratch directory).
#
#   start_apiserver [ARGS...]   starts it with its CA under $w/pki and ARGS (--token, ...);
#                               sets $server (https://127.0.0.1:PORT) and $apiserver_pid
#   stop_apiserver              for the suite's EXIT trap

start_apiserver() {
  python3 -c 'import yaml, cryptography' 2>/dev/null ||
    { not_ok "python3 with yaml and cryptography (tools/debian-packages)"; done_testing; }
  python3 "$KMEND_SOURCE/test/kube/apiserver.py" --pki "$w/pki" --port-file "$w/port" "$@" \
    2>"$w/server.log" &
  apiserver_pid=$!
  for _ in $(seq 100); do [ -f "$w/port" ] && break; sleep 0.1; done
  [ -f "$w/port" ] || { not_ok "the test API server starts" "$(cat "$w/server.log")"; done_testing; }
  server="https://127.0.0.1:$(cat "$w/port")"
}

stop_apiserver() {
  [ -n "${apiserver_pid:-}" ] && kill "$apiserver_pid" 2>/dev/null
  wait 2>/dev/null
}
