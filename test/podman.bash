# podman for kmend's tests, configured for these machines without touching the machine's own
# configuration: runc, cgroupfs, events in a file, nofile/nproc 1024, storage of our own. Sourced
# after test/lib.sh; expects $w (a scratch directory).
#
#   podman_setup                  sets CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and
#                                 CONTAINERS_REGISTRIES_CONF (loopback registries insecure)
#   podman_trust_registry HOST:PORT  a registries.conf of the suite's own ($w) in which that
#                                 test registry is plain HTTP (podman matches the port too)
#   podman_load_debian12 DIR      the Debian 12 test image (test/images/debian12 output) as
#                                 $debian12_podman_ref in podman's storage, loaded once
#
# The storage is shared by every suite and run (under $KMEND_TEST_IMAGES), so that an image is
# imported once; each suite's pods and containers carry its own names and are removed by it.

podman_setup() {
  command -v podman >/dev/null || { not_ok "podman is installed (tools/debian-packages)"; done_testing; }
  local conf="$KMEND_TEST_IMAGES/podman"
  mkdir -p "$conf"
  cat >"$conf/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  cat >"$conf/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$conf/storage"
runroot = "$conf/run"
CONF
  cat >"$conf/registries.conf" <<'CONF'
unqualified-search-registries = []

[[registry]]
location = "127.0.0.1"
insecure = true

[[registry]]
location = "localhost"
insecure = true
CONF
  export CONTAINERS_CONF="$conf/containers.conf" CONTAINERS_STORAGE_CONF="$conf/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$conf/registries.conf"
}

# The test image's reference in podman's storage.
debian12_podman_ref=localhost/kmend-test/debian:12

podman_load_debian12() {
  local img=$1
  (
    exec 9>"$KMEND_TEST_IMAGES/podman/.load.lock"
    flock 9
    # Loaded already, from this very build of the image?
    local want have
    want=$(jq -r '.config.digest' "$img/oci/blobs/sha256/$(jq -r '.manifests[0].digest' "$img/oci/index.json" | cut -d: -f2)")
    have=$(podman image inspect --format '{{.Id}}' "$debian12_podman_ref" 2>/dev/null)
    [ "sha256:$have" = "$want" ] && exit 0
    have=$(podman pull -q "oci:$img/oci:12") && podman tag "$have" "$debian12_podman_ref"
  ) || { not_ok "load the Debian 12 test image into podman"; done_testing; }
}

podman_trust_registry() {
  cat >"$w/registries.conf" <<CONF
unqualified-search-registries = []

[[registry]]
location = "$1"
insecure = true
CONF
  export CONTAINERS_REGISTRIES_CONF="$w/registries.conf"
}
