# kmend scan of Kubernetes manifests: every workload kind, multi-document YAML, JSON, List,
# init and ephemeral containers; the images come from a real docker-registry on 127.0.0.1,
# each read once however many containers run it.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"' EXIT
"$KMEND" db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null
start_registry plain
reg="127.0.0.1:$port"
skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://$reg/kmend/debian:12"
skopeo copy --quiet --dest-tls-verify=false "oci:$KMEND_SOURCE/examples/images/ubuntu-18.04:18.04" "docker://$reg/kmend/ubuntu:18.04"
D="$reg/kmend/debian:12"
U="$reg/kmend/ubuntu:18.04"

mkdir -p "$w/m/sub"
cat >"$w/m/app.yaml" <<YAML
# Comments and several documents.
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      initContainers:
      - {name: migrate, image: "$D"}
      containers:
      - name: app
        image: $D
      - name: sidecar
        image: $U
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: job, image: "$D"}]
---
apiVersion: v1
kind: Service
metadata: {name: not-a-workload}
spec: {ports: [{port: 80}]}
YAML
cat >"$w/m/sub/list.json" <<JSON
{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "ops"},
   "spec": {"containers": [{"name": "c", "image": "$D"}],
            "ephemeralContainers": [{"name": "e", "image": "$U"}]}},
  {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
   "spec": {"template": {"spec": {"containers": [{"name": "pg", "image": "$U"}]}}}},
  {"apiVersion": "apps/v1", "kind": "DaemonSetList", "items": [
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
     "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "$D"}]}}}}]},
  {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
   "spec": {"template": {"spec": {"containers": [{"name": "r", "image": "$D"}]}}}},
  {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
   "spec": {"template": {"spec": {"containers": [{"name": "j", "image": "$U"}]}}}}]}
JSON

run_kmend scan --db "$w/vuln.db" --no-cache --format json --insecure-registry "$reg" "$w/m"
expect_eq "manifests: exit 0" "0" "$rc"
expect_eq "every container of every workload, in file order" \
  "Deployment shop/web migrate|Deployment shop/web app|Deployment shop/web sidecar|CronJob default/nightly job|Pod ops/debug c|Pod ops/debug e|StatefulSet default/db pg|DaemonSet default/agent a|ReplicaSet default/rs r|Job default/once j" \
  "$(jq -r '.results[] | "\(.workload.kind) \(.workload.namespace)/\(.workload.name) \(.container)"' <<<"$out" | paste -sd'|')"
expect_eq "targets name the manifest files" "$w/m/app.yaml $w/m/sub/list.json" \
  "$(jq -r '[.results[].target] | unique | join(" ")' <<<"$out")"
expect_eq "a Debian container's findings equal the image scan's" \
  "$("$KMEND" scan --db "$w/vuln.db" --no-cache --format json --insecure-registry "$reg" "$D" | jq -c '.results[0].findings')" \
  "$(jq -c '.results[] | select(.container == "app") | .findings' <<<"$out")"
expect_eq "the Ubuntu image has no Debian advisories" "0" \
  "$(jq '[.results[] | select(.container == "sidecar") | .findings[]] | length' <<<"$out")"

# Each image is pulled once: test/registry/proxy.py in pass mode counts the requests.
cport=$(free_port)
python3 "$KMEND_SOURCE/test/registry/proxy.py" "$cport" "$port" pass "$w/requests" &
pids+=($!)
wait_port "$cport"
sed "s/127.0.0.1:$port/127.0.0.1:$cport/g" "$w/m/app.yaml" >"$w/counted.yaml"
"$KMEND" scan --db "$w/vuln.db" --no-cache --format json --insecure-registry "127.0.0.1:$cport" "$w/counted.yaml" >/dev/null
expect_eq "debian:12 manifest fetched once for 3 containers" "1" "$(grep -c '^GET /v2/kmend/debian/manifests/12 ' "$w/requests")"
expect_eq "ubuntu:18.04 manifest fetched once" "1" "$(grep -c '^GET /v2/kmend/ubuntu/manifests/18.04 ' "$w/requests")"

# Streaming reports: peak memory does not grow with the number of containers. 200 and 2000
# Pods of one image; each report is written result by result and forgotten (before, the whole
# report was built in memory: about 80 KB more per container).
pods() { jq -nc --argjson n "$1" --arg i "$D" '{apiVersion: "v1", kind: "List", items: [range($n) | {apiVersion: "v1", kind: "Pod", metadata: {name: "p\(.)"}, spec: {containers: [{name: "c", image: $i}]}}]}'; }
pods 200 >"$w/pods200.json"
pods 2000 >"$w/pods2000.json"
for fmt in json sarif cyclonedx table; do
  for n in 200 2000; do
    # ASan's quarantine keeps freed memory resident; it would measure churn, not what is live.
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
      /usr/bin/time -f %M -o "$w/peak$n" "$KMEND" scan --db "$w/vuln.db" --no-cache --format "$fmt" \
      --insecure-registry "$reg" "$w/pods$n.json" >"$w/out$n" 2>/dev/null
  done
  p200=$(cat "$w/peak200") p2000=$(cat "$w/peak2000")
  expect_eq "$fmt: 2000 containers reported" "yes" "$(grep -q p1999 "$w/out2000" && echo yes)"
  # 1800 more containers may add at most 12 MB (their manifest entries, not their reports).
  if [ "$p2000" -le $((p200 + 12 * 1024)) ]; then
    ok "$fmt: flat peak memory (200 containers: $p200 KB, 2000: $p2000 KB)"
  else
    not_ok "$fmt: flat peak memory" "200 containers: $p200 KB, 2000: $p2000 KB"
  fi
done

# Bad manifests: named, with where.
printf 'kind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: noimage\n' >"$w/noimage.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache "$w/noimage.yaml"
expect_eq "a container without an image: exit 2" "2" "$rc"
expect_contains "a container without an image: named" "$w/noimage.yaml:5:5: document 1: Pod 'x': container 'noimage' has no image" "$err"
printf 'kind: Pod\nspec: [unclosed\n' >"$w/broken.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache "$w/broken.yaml"
expect_eq "invalid YAML: exit 2" "2" "$rc"
expect_contains "invalid YAML: file, line and column" "$w/broken.yaml:3:" "$err"
# Aliases are read (a container through an alias is scanned); billion laughs are refused.
printf 'kind: Pod\nmetadata: {name: a}\nspec:\n  initContainers: [&c {name: c, image: "%s"}]\n  containers: [*c]\n' "$D" >"$w/alias.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache --format json --insecure-registry "$reg" "$w/alias.yaml"
expect_eq "a container reached through an alias is scanned (as init container and container)" \
  "Pod a c|Pod a c" "$(jq -r '.results[] | "\(.workload.kind) \(.workload.name) \(.container)"' <<<"$out" | paste -sd'|')"
{ echo 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'
  for i in $(seq 1 9); do echo "a$i: &a$i [*a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1)), *a$((i-1))]"; done
} >"$w/laughs.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache "$w/laughs.yaml"
expect_eq "billion laughs: exit 2" "2" "$rc"
expect_contains "billion laughs: refused with where and why" "$w/laughs.yaml:6:45: aliases expand to more than" "$err"
expect_contains "billion laughs: the budget is named" "aliases expand to more than" "$err"
done_testing
