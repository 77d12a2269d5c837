# The start every registry suite shares (sourced): TAP and registry helpers, the Debian 12
# test image in $img, a scratch directory $w removed at exit with the processes listed in
# pids, and credentials only from the files the suite writes there.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
w=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
export HOME="$w/home" XDG_RUNTIME_DIR="$w/run" DOCKER_CONFIG="$w/docker"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$DOCKER_CONFIG"
