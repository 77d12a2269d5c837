# Helpers for the patch strategy's suites (test/harden/patch*.sh). Sourced after test/lib.sh
# and test/registry.bash.

# patch_scratch: $w (removed at exit with the processes in pids and the podman images in
# tags), the Debian 12 test image in $img, the local apt repository in $repo, and $db, a store
# with the bookworm feed.
patch_scratch() {
  w=$(mktemp -d)
  pids=()
  tags=()
  trap patch_cleanup EXIT
  export HOME="$w/home" XDG_RUNTIME_DIR="$w/run" DOCKER_CONFIG="$w/docker"
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$DOCKER_CONFIG"
  echo '{"auths": {}}' >"$DOCKER_CONFIG/config.json"
  img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
  repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
  db="$w/vuln.db"
  "$KMEND" db import --db "$db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null ||
    { not_ok "import the bookworm feed"; done_testing; }
}
patch_cleanup() {
  [ -n "${KEEP:-}" ] && { echo "kept $w" >&2; return; }
  for t in "${tags[@]}"; do podman rmi -f "$t" >/dev/null 2>&1; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$w"
}

# patch_tool ARGS...: test/harden/patch_tool.c, with $out, $err and $rc as run_kmend leaves them.
patch_tool() {
  local o e
  o=$(mktemp) e=$(mktemp)
  "$KMEND_BUILD/test/patch-tool" "$@" >"$o" 2>"$e"
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}

# patch_app_image DIR TAG: the Debian 12 test image as an application: an entrypoint that runs
# perl (a package the patch replaces) with a Cmd argument, in an OCI layout of its own.
patch_app_image() {
  mkdir -p "$1"
  cp -al "$img/oci/." "$1/"
  rm -f "$1/index.json" && cp "$img/oci/index.json" "$1/index.json"
  umoci config --image "$1:12" --tag "$2" \
    --config.entrypoint /usr/bin/perl --config.entrypoint=-e \
    --config.entrypoint='print qq(entrypoint ran: perl $^V @ARGV\n)' --config.cmd from-cmd ||
    { not_ok "make the application image"; done_testing; }
}
