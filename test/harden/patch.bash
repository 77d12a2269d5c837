# Helpers for the patch strategy's suites (test/harden/patch*.sh). Sourced after test/lib.sh
# test/registry.bash and test/harden/lib.bash.

# patch_scratch: harden_scratch's $w, pids and tags (test/harden/lib.bash), credentials only
# from files the suite writes, the Debian 12 test image in $img, the local apt repository in
# $repo, and $db, a store with the bookworm feed.
patch_scratch() {
  harden_scratch
  export HOME="$w/home" XDG_RUNTIME_DIR="$w/run" DOCKER_CONFIG="$w/docker"
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$DOCKER_CONFIG"
  echo '{"auths": {}}' >"$DOCKER_CONFIG/config.json"
  img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
  repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
  db="$w/vuln.db"
  "$KMEND" db import --db "$db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null ||
    { not_ok "import the bookworm feed"; done_testing; }
}

# patch_tool ARGS...: test/harden/patch_tool.c, with $out, $err and $rc as run_capture leaves them.
patch_tool() { run_capture "$KMEND_BUILD/test/patch-tool" "$@"; }

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
