# kmend apply with the Kubernetes backend against test/kube/apiserver.py. There is no real API
# server on these machines: apiserver.py is a faithful stand-in (TLS with its own CA, client
# certificates, server-side apply with field managers, a Deployment controller whose pods get
# the status a script says; see its docstring). The images and the repository are real: the
# Debian 12 test image in a docker-registry on 127.0.0.1, its fixed packages in the signed
# local apt repository, so kmend fix makes the second files as for a cluster. Each failure kind
# (failed init container, crash loop, FailedPostStartHook, image pull error,
# CreateContainerConfigError, never ready, progress deadline, kmend's own timeout) is rolled
# back, and what the server holds afterwards is the first file; the healthy one keeps the
# second file. The pods of the first files carry no kmend- init container, so the script leaves
# them healthy.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
w=$(mktemp -d)
pids=()
. "$KMEND_SOURCE/test/kube/apiserver.bash"
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; stop_apiserver; rm -rf "$w"' EXIT
start_registry registry
reg=127.0.0.1:$port
skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://$reg/kmend/debian:12" ||
  { not_ok "push the test image to the registry"; done_testing; }
cp -a "$repo/repo" "$w/repo"
apt_repo_serve "$w/repo"
run_kmend db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"

start_apiserver --namespaces default,shop
cat >"$w/kubeconfig" <<YAML
apiVersion: v1
kind: Config
current-context: test
clusters: [{name: test, cluster: {server: "$server", certificate-authority: pki/ca.crt}}]
contexts: [{name: test, context: {cluster: test, user: me, namespace: shop}}]
users: [{name: me, user: {client-certificate: pki/client.crt, client-key: pki/client.key}}]
YAML
curl -sS --cacert "$w/pki/ca.crt" -o /dev/null -X POST "$server/_test/script" --data-binary '[
 {"match": {"podPrefix": "initfail-", "initContainerPrefix": "kmend-"}, "outcome": "init-failed", "exitCode": 100,
  "log": "Reading package lists...\nE: Version 5.36.0-7+deb12u4 for perl-base was not found\n"},
 {"match": {"podPrefix": "crash-", "initContainerPrefix": "kmend-"}, "outcome": "crash-loop", "exitCode": 2, "log": "fatal: libpcre2-8.so.0: cannot open shared object file\n"},
 {"match": {"podPrefix": "hook-", "initContainerPrefix": "kmend-"}, "outcome": "post-start-failed", "exitCode": 1,
  "hookOutput": "dpkg: error processing archive /kmend-packages/perl-base.deb (--install)"},
 {"match": {"podPrefix": "pull-", "initContainerPrefix": "kmend-"}, "outcome": "image-pull"},
 {"match": {"podPrefix": "config-", "initContainerPrefix": "kmend-"}, "outcome": "create-config-error"},
 {"match": {"podPrefix": "unready-", "initContainerPrefix": "kmend-"}, "outcome": "never-ready"},
 {"match": {"podPrefix": "deadline-", "initContainerPrefix": "kmend-"}, "outcome": "never-ready"}]'

kapply() {
  run_kmend apply --backend kubernetes --kubeconfig "$w/kubeconfig" --db "$w/vuln.db" --no-cache \
    --insecure-registry "$reg" --mirror "http://127.0.0.1:$apt_port" --mirror-key "$repo/key.gpg" "$@"
}

# One file per case: kmend goes back a whole file at a time.
cases="healthy initfail crash hook pull config unready deadline"
for n in $cases; do
  extra=
  [ $n = deadline ] && extra="  progressDeadlineSeconds: 2"
  cat >"$w/$n.yaml" <<YAML
# $n: a Deployment whose container has command and args
apiVersion: apps/v1
kind: Deployment
metadata: {name: $n}
spec:
  replicas: 1
$extra
  selector: {matchLabels: {app: $n}}
  template:
    metadata: {labels: {app: $n}}
    spec:
      containers:
      - {name: app, image: "$reg/kmend/debian:12", command: [sleep], args: ["3600"]}
YAML
  cp "$w/$n.yaml" "$w/$n.before"
done

# What runs before the repair: the first files, deployed by lib/deploy's test driver.
for n in $cases; do cat "$w/$n.yaml"; echo "---"; done >"$w/all-first.yaml"
"$KMEND_BUILD/test/deploy_driver" --backend kubernetes --kubeconfig "$w/kubeconfig" --min-ready-ms 1 \
  apply "$w/all-first.yaml" 30 >"$w/first.out" 2>&1
expect_eq "the first files run healthy" "8" "$(jq -r 'select(.health == "healthy") | .name' "$w/first.out" 2>/dev/null | wc -l)"
# kmend apply of a file with nothing to fix deploys nothing.
kapply --severity critical "$w/healthy.yaml"
expect_eq "nothing to fix at --severity critical: exit 0" "0" "$rc"
expect_contains "nothing to fix: said, not deployed" "$w/healthy.yaml: nothing to fix; not deployed" "$out"

# The hook case installs in a postStart hook, the rest at the entrypoint.
kapply --install-at poststart --timeout 10s --report "$w/hook.json" "$w/hook.yaml"
hook_rc=$rc hook_out=$out
kapply --timeout 10s --report "$w/report.json" $(for n in $cases; do [ $n = hook ] || echo "$w/$n.yaml"; done)
expect_eq "apply: exit 1, workloads were rolled back" "1" "$rc"
expect_eq "apply (postStart): exit 1" "1" "$hook_rc"
expect_contains "healthy: fixed and healthy" "$w/healthy.yaml: Deployment healthy: fixed and healthy" "$out"
for n in initfail crash pull config unready deadline; do
  expect_contains "$n: rolled back" "$w/$n.yaml: Deployment $n: rolled back to the first file" "$out"
done
expect_contains "hook: rolled back" "$w/hook.yaml: Deployment hook: rolled back to the first file" "$hook_out"
outcome() { jq -r --arg n "$1" '.files[] | .workloads[] | select(.name == $n) | "\(.outcome) \(.second.failure)"' "$2"; }
expect_eq "failed init container: named, its exit code" "rolled-back init-container-failed 100" \
  "$(outcome initfail "$w/report.json") $(jq -r '.files[] | .workloads[] | select(.name == "initfail") | .second.exit_code' "$w/report.json")"
expect_contains "failed init container: apt's error quoted" "E: Version 5.36.0-7+deb12u4 for perl-base was not found" "$out"
expect_eq "crash loop" "rolled-back crash-loop" "$(outcome crash "$w/report.json")"
expect_eq "FailedPostStartHook" "rolled-back post-start-hook-failed" "$(outcome hook "$w/hook.json")"
expect_contains "FailedPostStartHook: dpkg's error quoted" "dpkg: error processing archive" "$hook_out"
expect_eq "image pull error" "rolled-back image-pull" "$(outcome pull "$w/report.json")"
expect_eq "CreateContainerConfigError" "rolled-back create-container" "$(outcome config "$w/report.json")"
expect_eq "never ready: kmend's timeout decides it" "rolled-back not-ready" "$(outcome unready "$w/report.json")"
expect_eq "progress deadline" "rolled-back progress-deadline" "$(outcome deadline "$w/report.json")"
expect_eq "healthy" "fixed none" "$(outcome healthy "$w/report.json")"

# Read back from the server: the failed ones are their first file, the healthy one the second.
for n in $cases; do
  curl -sS --cacert "$w/pki/ca.crt" --cert "$w/pki/client.crt" --key "$w/pki/client.key" \
    "$server/apis/apps/v1/namespaces/shop/deployments/$n" >"$w/live-$n.json"
done
check=$(python3 - "$w" $cases <<'PY'
import json, sys, yaml
w, names = sys.argv[1], sys.argv[2:]
out = []
for n in names:
    first = yaml.safe_load(open(f"{w}/{n}.yaml"))["spec"]["template"]["spec"]
    live = json.load(open(f"{w}/live-{n}.json"))
    spec = live["spec"]["template"]["spec"]
    inits = [c["name"] for c in spec.get("initContainers", [])]
    same = all(spec["containers"][0].get(k) == first["containers"][0].get(k) for k in ("command", "args", "image"))
    mark = json.loads(live["metadata"].get("annotations", {}).get("kmend.dev/apply", "{}"))
    state = "second" if inits == ["kmend-download-1"] else "first" if not inits and same and "volumes" not in spec else "OTHER"
    out.append(f"{n}:{state}:{mark.get('phase')}")
print(" ".join(out))
PY
)
expect_eq "read back: the healthy one holds the second file, each failed one the first, marks settled" \
  "healthy:second:healthy initfail:first:rolled-back crash:first:rolled-back hook:first:rolled-back pull:first:rolled-back config:first:rolled-back unready:first:rolled-back deadline:first:rolled-back" \
  "$check"
for n in $cases; do
  expect_eq "$n: the first file on disk is untouched" "" "$(cmp "$w/$n.yaml" "$w/$n.before")"
done
# revert --cluster: the healthy one's first file back from its mark alone.
run_kmend revert --cluster --kubeconfig "$w/kubeconfig" --timeout 30s deploy/healthy
expect_eq "revert --cluster: exit 0" "0" "$rc"
expect_contains "revert --cluster: said" "Deployment/healthy: the first file is back; healthy" "$out"
curl -sS --cacert "$w/pki/ca.crt" --cert "$w/pki/client.crt" --key "$w/pki/client.key" \
  "$server/apis/apps/v1/namespaces/shop/deployments/healthy" >"$w/live-healthy.json"
expect_eq "revert --cluster: read back, the first file runs, the mark settled as reverted" "first reverted" \
  "$(python3 - "$w" <<'PY2'
import json, sys, yaml
w = sys.argv[1]
first = yaml.safe_load(open(f"{w}/healthy.yaml"))["spec"]["template"]["spec"]
live = json.load(open(f"{w}/live-healthy.json"))
spec = live["spec"]["template"]["spec"]
mark = json.loads(live["metadata"].get("annotations", {}).get("kmend.dev/apply", "{}"))
same = "initContainers" not in spec and "volumes" not in spec and spec["containers"][0].get("command") == first["containers"][0]["command"]
print("first" if same else "OTHER", mark.get("phase"))
PY2
)"
run_kmend revert --cluster --kubeconfig "$w/kubeconfig" deploy/nosuch
expect_eq "revert --cluster of a workload that is not there: exit 2" "2" "$rc"
expect_contains "revert --cluster of a workload that is not there: named" "nosuch" "$err"
run_kmend revert --cluster -o x deploy/healthy
expect_eq "revert --cluster with -o: usage error" "2" "$rc"
run_kmend apply --backend kubernetes --kubeconfig "$w/kubeconfig" --resume
expect_contains "nothing left to resume" "no interrupted apply to finish" "$err"
expect_eq "the server logged no error" "" "$(grep -i -E 'traceback' "$w/server.log")"
done_testing
