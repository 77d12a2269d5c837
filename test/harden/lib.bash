# Helpers for the harden suites. Sourced after test/lib.sh and test/oci-layout.bash.

# harden_scratch: a scratch directory $w, and the arrays pids (processes to kill) and tags
# (podman images to remove), all cleaned up at exit.
harden_scratch() {
  w=$(mktemp -d)
  pids=()
  tags=()
  trap harden_cleanup EXIT
}
harden_cleanup() {
  for t in "${tags[@]}"; do podman rmi -f "$t" >/dev/null 2>&1; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$w"
}

# harden_images: build (once) test/images/harden; sets $H (its directory) and $db (a store
# with the bookworm feed the images are matched against).
harden_images() {
  H=$("$KMEND_SOURCE/test/images/harden") || { not_ok "build the harden test images"; done_testing; }
  db="$w/vuln.db"
  "$KMEND" db import --db "$db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null ||
    { not_ok "import the bookworm feed"; done_testing; }
}

# share_layout FROM TO: a copy of an OCI layout whose blobs are hard links (new blobs and
# index.json are written beside them, never into them).
share_layout() {
  mkdir -p "$2"
  cp -al "$1/." "$2/"
  rm -f "$2/index.json"
  cp "$1/index.json" "$2/index.json"
}

# restamp LAYOUT FROM TO CONFIG_FILTER [MANIFEST_FILTER]: tag TO in LAYOUT as image FROM with
# its config passed through the jq filter CONFIG_FILTER and its manifest through
# MANIFEST_FILTER (both "." to keep), layers untouched.
restamp() {
  local dir=$1 from=$2 to=$3 cf=$4 mf=${5:-.} man cfg d
  man=$(jq -r --arg t "$from" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$dir/index.json")
  cfg=$(jq -r '.config.digest' "$dir/blobs/sha256/${man#sha256:}")
  jq -c "$cf" "$dir/blobs/sha256/${cfg#sha256:}" >"$w/restamp-config.json"
  d=$(blob "$dir" "$w/restamp-config.json")
  jq -c --arg d "$d" --argjson s "$(stat -c %s "$w/restamp-config.json")" \
    ".config.digest = \$d | .config.size = \$s | $mf" "$dir/blobs/sha256/${man#sha256:}" >"$w/restamp-manifest.json"
  d=$(blob "$dir" "$w/restamp-manifest.json")
  index_add "$dir" "$to" application/vnd.oci.image.manifest.v1+json "$d" "$(stat -c %s "$w/restamp-manifest.json")"
}

