# TAP helpers for kmend's shell tests: source it, call ok/not_ok/check..., end with done_testing.
# test/run sets KMEND (the binary), KMEND_SOURCE (the checkout) and KMEND_BUILD (the build dir).
: "${KMEND:?run the tests through test/run}"
t_count=0
t_failed=0

ok() {
  t_count=$((t_count + 1))
  echo "ok $t_count - $1"
}

# not_ok DESCRIPTION [DETAIL...]: a failure, each detail printed as a TAP comment.
not_ok() {
  t_count=$((t_count + 1))
  t_failed=$((t_failed + 1))
  echo "not ok $t_count - $1"
  shift
  for line in "$@"; do printf '#   %s\n' "$line"; done
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# expect_contains DESCRIPTION NEEDLE HAYSTACK
expect_contains() {
  case "$3" in
    *"$2"*) ok "$1" ;;
    *) not_ok "$1" "expected to contain: $2" "actual: $3" ;;
  esac
}

# run_capture COMMAND ARGS...: runs it, leaving stdout in $out, stderr in $err, exit code in $rc.
run_capture() {
  local o e
  o=$(mktemp) e=$(mktemp)
  "$@" >"$o" 2>"$e"
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}

# run_kmend ARGS...: run_capture of kmend.
run_kmend() { run_capture "$KMEND" "$@"; }

done_testing() {
  echo "1..$t_count"
  [ "$t_failed" -eq 0 ]
  exit $?
}
