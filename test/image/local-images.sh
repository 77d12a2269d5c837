# Images named in Kubernetes manifests are registry references only: a manifest naming a
# local path (oci:, oci-archive:, docker-archive:) cannot make kmend read files on this
# machine, unless the user passes --allow-local-images. An image named on the command line
# is the user's own choice and is read as before.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
"$KMEND" db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null

# A small Debian-like image in an OCI layout.
mkdir -p "$w/root/etc" "$w/root/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$w/root/etc/os-release"
printf 'Package: a\nStatus: install ok installed\nVersion: 1.0-1\n' >"$w/root/var/lib/dpkg/status"
tar cf "$w/root.tar" -C "$w/root" .
oci_layout "$w/img" t "$w/root.tar"

cat >"$w/local.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: sneaky}
spec:
  containers:
  - {name: layout, image: "oci:$w/img:t"}
  - {name: passwd, image: "oci-archive:/etc/passwd"}
  - {name: shadow, image: "docker-archive:/etc/shadow"}
YAML

run_kmend scan --db "$w/vuln.db" --no-cache --format json "$w/local.yaml"
expect_eq "local paths in a manifest: exit 2" "2" "$rc"
expect_eq "local paths in a manifest: each an error entry, nothing read" \
  "layout:null:true passwd:null:true shadow:null:true" \
  "$(jq -r '[.results[] | "\(.container):\(.os):\(.error | test("names a local path"))"] | join(" ")' <<<"$out")"
for c in "layout oci:$w/img:t (oci:)" "passwd oci-archive:/etc/passwd (oci-archive:)" "shadow docker-archive:/etc/shadow (docker-archive:)"; do
  set -- $c
  expect_contains "container $1: refused, naming the manifest, the container and the image" \
    "$w/local.yaml: Pod/sneaky container $1: image '$2' names a local path $3, and an image in a manifest may only name a registry" "$err"
done
expect_contains "the refusal says how to allow it" "pass --allow-local-images" "$err"

# Allowed: the layout is scanned; /etc/passwd is read as what it is, not an image.
run_kmend scan --db "$w/vuln.db" --no-cache --format json --allow-local-images "$w/local.yaml"
expect_eq "--allow-local-images: the layout's container is scanned" "layout debian" \
  "$(jq -r '.results[] | select(.error == null) | "\(.container) \(.os.id)"' <<<"$out")"
expect_contains "--allow-local-images: /etc/passwd is no image" "/etc/passwd: not a valid tar archive" "$err"

# On the command line an image may be local without the option.
run_kmend scan --db "$w/vuln.db" --no-cache --format json "oci:$w/img:t"
expect_eq "a local image named on the command line is scanned" "0 debian" "$rc $(jq -r '.results[0].os.id' <<<"$out")"
done_testing
