# What kmend scan makes of its targets, never a silent exit 0: an OCI layout directory is the
# image, a file or directory without workloads says so, a path is never sent to a registry,
# '-' reads manifests from standard input, and a container whose image cannot be read is an
# error entry that names the manifest, the workload and the container.
. "$KMEND_SOURCE/test/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export XDG_CACHE_HOME="$w/cache"
"$KMEND" db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null
layout="$KMEND_SOURCE/examples/images/debian-12"

# A directory holding an OCI layout (index.json + oci-layout) is scanned as that image.
run_kmend scan --db "$w/vuln.db" --no-cache --format json "$layout"
expect_eq "OCI layout directory: exit 0" "0" "$rc"
expect_contains "OCI layout directory: a note says it is scanned as the image" \
  "note: $layout holds an OCI image layout: scanning it as the image oci:$layout" "$err"
expect_eq "OCI layout directory: the image's findings" \
  "$("$KMEND" scan --db "$w/vuln.db" --no-cache --format json "oci:$layout" | jq -c '.results[0].findings')" \
  "$(jq -c '.results[0].findings' <<<"$out")"
run_kmend scan --db "$w/vuln.db" --no-cache --quiet "$layout"
expect_eq "--quiet: no note" "" "$err"

# No workloads: a directory of Services, an empty file.
mkdir -p "$w/services"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n' >"$w/services/svc.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache "$w/services"
expect_eq "a directory without workloads: exit 2" "2" "$rc"
expect_contains "a directory without workloads: says so" "no workloads found in $w/services" "$err"
: >"$w/empty.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache "$w/empty.yaml"
expect_eq "an empty manifest: exit 2" "2" "$rc"
expect_contains "an empty manifest: says so" "no workloads found in $w/empty.yaml" "$err"
run_kmend scan --db "$w/vuln.db" --no-cache - </dev/null
expect_contains "nothing on standard input: says so" "no workloads found in standard input" "$err"

# Paths are never registry references: a missing file is "no such file", whatever its shape.
# (Sent to a registry, each would have been a request to docker.io and a network error.)
cd "$w" || exit 1
for t in k8s/deploy.yaml deploy.yml ./deploy ../x/deploy "$w/missing" list.json; do
  run_kmend scan --db "$w/vuln.db" --no-cache "$t"
  expect_eq "missing '$t': exit 2, no such file" "2 kmend scan: $t: no such file" "$rc $err"
done
: >"$w/image.tar"
run_kmend scan --db "$w/vuln.db" --no-cache image.tar
expect_contains "an archive: how to name it" "image.tar is an archive: name it as oci-archive:image.tar or docker-archive:image.tar" "$err"
cd - >/dev/null || exit 1

# '-': manifests on standard input. Their images cannot be read (nothing listens on port 1):
# every container is still in the report, as an error naming manifest, workload, container.
cat >"$w/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      initContainers: [{name: init, image: "127.0.0.1:1/nothing:1"}]
      containers:
      - {name: app, image: "127.0.0.1:1/nothing:1"}
YAML
"$KMEND" scan --db "$w/vuln.db" --no-cache --format json --insecure-registry 127.0.0.1:1 - <"$w/web.yaml" >"$w/out.json" 2>"$w/err"
expect_eq "unreadable image: exit 3 (operational)" "3" "$?"
expect_eq "unreadable image: an error entry per container, naming manifest, workload, container" \
  '-|Deployment|shop/web|init|true -|Deployment|shop/web|app|true' \
  "$(jq -r '.results[] | "\(.target)|\(.workload.kind)|\(.workload.namespace)/\(.workload.name)|\(.container)|\(.error | test("127.0.0.1:1"))"' "$w/out.json" | paste -sd' ')"
expect_eq "unreadable image: the summary counts the errors" "2 2" "$(jq -r '"\(.summary.results) \(.summary.errors)"' "$w/out.json")"
expect_eq "unreadable image: said once on stderr" "1" "$(grep -c '127.0.0.1:1' "$w/err")"
run_kmend scan --db "$w/vuln.db" --no-cache --insecure-registry 127.0.0.1:1 "$w/web.yaml"
expect_contains "table: the container's line" "$w/web.yaml: Deployment shop/web, initContainer 'init'
127.0.0.1:1/nothing:1: cannot be read: " "$out"
expect_contains "table: the summary" "Summary: 2 results (2 could not be read), 0 findings" "$out"
run_kmend scan --db "$w/vuln.db" --no-cache --format sarif --insecure-registry 127.0.0.1:1 "$w/web.yaml"
expect_eq "sarif: the unreadable image is an error notification; the run did not succeed" "error false" \
  "$(jq -r '.runs[0].invocations[0] | "\([.toolExecutionNotifications[].level] | unique | join(",")) \(.executionSuccessful)"' <<<"$out")"
done_testing
