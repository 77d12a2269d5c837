# Running the examples of kmend's Markdown files (the convention: test/cli/docs.sh). Sourced
# after test/lib.sh.
#
#   examples_sandbox DIR            makes DIR a place where a doc's commands run as in the
#                                   checkout, with the kmend under test and a clean store
#   examples_run DIR COMMAND OUT    runs COMMAND with bash in DIR, stdout and stderr in file OUT
#                                   (as a terminal shows them); sets $rc
#   examples_check WHAT COMMAND EXPECTED_TEXT DIR
#                                   runs COMMAND and reports one TAP result: exit 0 and the
#                                   output EXPECTED_TEXT shows (test/markdown.py match)

examples_sandbox() {
  local dir=$1 entry
  mkdir -p "$dir/build/src" "$dir/bin" "$dir/.cache" "$dir/.config"
  # The checkout's files, read through links; its build directories are not the user's.
  for entry in "$KMEND_SOURCE"/* "$KMEND_SOURCE"/.[!.]*; do
    case ${entry##*/} in build* | .git) continue ;; esac
    [ -e "$entry" ] && ln -s "$entry" "$dir/${entry##*/}"
  done
  ln -s "$KMEND" "$dir/build/src/kmend"
  ln -s "$KMEND" "$dir/bin/kmend"
}

examples_run() {
  local dir=$1 command=$2 out=$3
  # A clean store and configuration of the sandbox's own; no feed list from the caller.
  (cd "$dir" && env -u KMEND_FEED_URLS PATH="$dir/bin:$PATH" HOME="$dir" \
    XDG_CACHE_HOME="$dir/.cache" XDG_CONFIG_HOME="$dir/.config" NO_COLOR=1 \
    timeout 300 bash -c "$command" </dev/null >"$out" 2>&1)
  rc=$?
}

examples_check() {
  local what=$1 command=$2 expected=$3 dir=$4 lines
  printf '%s' "$expected" >"$dir/.expected"
  examples_run "$dir" "$command" "$dir/.output"
  if [ "$rc" -ne 0 ]; then
    mapfile -t lines < <(tail -n 20 "$dir/.output")
    not_ok "$what" "\$ $command" "exited with $rc (show a failure as 'cmd || echo \"exit \$?\"'):" "${lines[@]}"
    return
  fi
  if python3 "$KMEND_SOURCE/test/markdown.py" match "$dir/.expected" "$dir/.output" >"$dir/.diff" 2>&1; then
    ok "$what"
  else
    mapfile -t lines <"$dir/.diff"
    not_ok "$what" "\$ $command" "its output is not what the doc shows:" "${lines[@]}"
  fi
}
