# lib/deploy's Kubernetes backend against test/kube/apiserver.py (there is no real API server
# on these machines; see its docstring): the second file's workloads are watched until healthy
# or failed, each failure kind (init container, crash loop, FailedPostStartHook, image pull,
# CreateContainerConfigError, never ready, progress deadline) is named with its reason; the
# first file applied again puts each failed workload back, as read back from the server, and
# the healthy one keeps the second file. The marks say what a killed apply left.
. "$KMEND_SOURCE/test/lib.sh"
w=$(mktemp -d)
. "$KMEND_SOURCE/test/kube/apiserver.bash"
trap 'stop_apiserver; rm -rf "$w"' EXIT
start_apiserver --namespaces default,shop
cat >"$w/kubeconfig" <<YAML
apiVersion: v1
kind: Config
current-context: test
clusters: [{name: test, cluster: {server: "$server", certificate-authority: pki/ca.crt}}]
contexts: [{name: test, context: {cluster: test, user: me, namespace: shop}}]
users: [{name: me, user: {client-certificate: pki/client.crt, client-key: pki/client.key}}]
YAML
D() { "$KMEND_BUILD/test/deploy_driver" --backend kubernetes --kubeconfig "$w/kubeconfig" --min-ready-ms 1 "$@"; }
field() { jq -r "select(.name == \"$1\") | .$2" "$w/out"; }
curl -sS --cacert "$w/pki/ca.crt" -o /dev/null -X POST "$server/_test/script" --data-binary '[
 {"match": {"podPrefix": "initfail-", "initContainerPrefix": "kmend-"}, "outcome": "init-failed", "exitCode": 100,
  "log": "Reading package lists...\nE: Version 2.36.1-8+deb12u2 for libc6 was not found\n"},
 {"match": {"podPrefix": "crash-", "initContainerPrefix": "kmend-"}, "outcome": "crash-loop", "exitCode": 2, "log": "fatal: libssl.so.3: cannot open shared object file\n"},
 {"match": {"podPrefix": "hook-", "initContainerPrefix": "kmend-"}, "outcome": "post-start-failed", "exitCode": 1,
  "hookOutput": "dpkg: error processing archive /kmend/debs/libc6.deb (--install)"},
 {"match": {"podPrefix": "pull-", "initContainerPrefix": "kmend-"}, "outcome": "image-pull"},
 {"match": {"podPrefix": "config-", "initContainerPrefix": "kmend-"}, "outcome": "create-config-error"},
 {"match": {"podPrefix": "unready-", "initContainerPrefix": "kmend-"}, "outcome": "never-ready"},
 {"match": {"podPrefix": "deadline-", "initContainerPrefix": "kmend-"}, "outcome": "never-ready"}]'

cases="healthy initfail crash hook pull config unready deadline"
for n in $cases; do
  extra=
  [ $n = deadline ] && extra="  progressDeadlineSeconds: 2"
  cat >>"$w/first.yaml" <<YAML
---
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
      - {name: app, image: "registry.example/$n:1", args: ["--port", "8080"]}
YAML
  cat >>"$w/second.yaml" <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $n}
spec:
  replicas: 1
$extra
  selector: {matchLabels: {app: $n}}
  template:
    metadata: {labels: {app: $n}, annotations: {kmend.dev/repair: '{"v":1}'}}
    spec:
      volumes: [{name: kmend-debs, emptyDir: {}}]
      initContainers:
      - {name: kmend-fetch, image: "registry.example/$n:1", command: [sh, -c, "/kmend/fetch"]}
      containers:
      - name: app
        image: "registry.example/$n:1"
        args: ["--port", "8080"]
        volumeMounts: [{name: kmend-debs, mountPath: /kmend}]
        lifecycle: {postStart: {exec: {command: [sh, -c, /kmend/install]}}}
YAML
done

D apply "$w/first.yaml" 30 >"$w/out" 2>"$w/err"
expect_eq "the first file: eight Deployments become healthy" "0 8" \
  "$? $(jq -r 'select(.health == "healthy") | .name' "$w/out" | wc -l)"

D apply "$w/second.yaml" 8 "$w/first.yaml" >"$w/out" 2>"$w/err"
expect_eq "the second file: some failed (exit 1)" 1 "$?"
mark=$(jq -r 'select(.mark) | .mark' "$w/out")
expect_eq "healthy: the repaired Deployment is healthy" healthy "$(field healthy health)"
expect_eq "init container: failure, exit code, container" "init-container-failed 100 kmend-fetch" \
  "$(field initfail failure) $(field initfail exit_code) $(field initfail container)"
expect_contains "init container: apt's error from the pod's log" \
  "E: Version 2.36.1-8+deb12u2 for libc6 was not found" "$(field initfail log)"
expect_contains "init container: the pod condition" "Initialized=False (ContainersNotInitialized)" \
  "$(field initfail condition)"
expect_eq "crash loop: failure, reason, exit code" "crash-loop CrashLoopBackOff 2" \
  "$(field crash failure) $(field crash state_reason) $(field crash exit_code)"
expect_contains "crash loop: the last instance's log" "libssl.so.3" "$(field crash log)"
expect_eq "postStart: FailedPostStartHook, the container named from the event" \
  "post-start-hook-failed FailedPostStartHook app" \
  "$(field hook failure) $(field hook state_reason) $(field hook container)"
expect_contains "postStart: dpkg's error from the event's message" \
  "dpkg: error processing archive /kmend/debs/libc6.deb" "$(field hook message)"
expect_eq "image pull: failure and reason" "image-pull ErrImagePull" \
  "$(field pull failure) $(field pull state_reason | sed 's/ImagePullBackOff/ErrImagePull/')"
expect_eq "config error: CreateContainerConfigError" "create-container CreateContainerConfigError" \
  "$(field config failure) $(field config state_reason)"
expect_eq "never ready: not-ready when kmend's timeout passes" not-ready "$(field unready failure)"
expect_contains "never ready: the readiness probe's event" "Readiness probe failed" "$(field unready message)"
expect_eq "progress deadline: ProgressDeadlineExceeded" "progress-deadline ProgressDeadlineExceeded" \
  "$(field deadline failure) $(field deadline state_reason)"

# The marks: each workload of the second file carries the apply's id and its first object.
D marked >"$w/marked" 2>"$w/err"
expect_eq "marks: all eight workloads, with the apply's id" 8 \
  "$(jq -r "select(.id == \"$mark\") | .name" "$w/marked" | wc -l)"
expect_eq "marks: each holds its object from the first file" '["--port","8080"] null' \
  "$(jq -c "select(.name == \"crash\") | .first | fromjson | .spec.template.spec.containers[0].args, .spec.template.spec.initContainers" "$w/marked" | xargs -d '\n' echo)"

# The rollback: settle the mark, apply the first file's objects of the failed ones.
D settle "$mark" rolling-back 2>"$w/err"
expect_eq "settle rolling-back: the eight are still listed, to finish if kmend stops now" 8 \
  "$(D marked | jq -r "select(.id == \"$mark\" and .phase == \"rolling-back\") | .name" | wc -l)"
python3 - "$w/first.yaml" "$w/rollback.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["metadata"]["name"] != "healthy"]
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
python3 - "$w/second.yaml" "$w/second-failed.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["metadata"]["name"] != "healthy"]
yaml.safe_dump_all(docs, open(sys.argv[2], "w"))
PY
D rollback "$w/second-failed.yaml" "$w/rollback.yaml" 30 >"$w/out" 2>"$w/err"
expect_eq "rollback: the seven failed Deployments run healthy on the first file" "0 7" \
  "$? $(jq -r 'select(.health == "healthy") | .name' "$w/out" | wc -l)"
for n in $cases; do
  curl -sS --cacert "$w/pki/ca.crt" --cert "$w/pki/client.crt" --key "$w/pki/client.key" \
    "$server/apis/apps/v1/namespaces/shop/deployments/$n" >"$w/live-$n.json"
done
check=$(python3 - "$w" <<'PY'
import json, sys, yaml
w = sys.argv[1]
first = {d["metadata"]["name"]: d for d in yaml.safe_load_all(open(w + "/first.yaml")) if d}
second = {d["metadata"]["name"]: d for d in yaml.safe_load_all(open(w + "/second.yaml")) if d}
out = []
for n in first:
    live = json.load(open("%s/live-%s.json" % (w, n)))
    want = second[n] if n == "healthy" else first[n]
    ok = live["spec"] == want["spec"]
    mark = json.loads(live["metadata"].get("annotations", {}).get("kmend.dev/apply", "{}"))
    out.append("%s:%s:%s" % (n, "ok" if ok else "DIFFERENT", mark.get("phase")))
print(" ".join(out))
PY
)
expect_eq "read back: failed ones are the first file, the healthy one the second, marks settled" \
  "healthy:ok:rolling-back initfail:ok:rolling-back crash:ok:rolling-back hook:ok:rolling-back pull:ok:rolling-back config:ok:rolling-back unready:ok:rolling-back deadline:ok:rolling-back" \
  "$check"
D settle "$mark" rolled-back 2>"$w/err"
expect_eq "settle rolled-back: no workload is left marked" "" "$(D marked | jq -r "select(.id == \"$mark\") | .name")"

# kill -9 between deploying and deciding: the workload stays marked, and a later run attaches.
python3 - "$w/second.yaml" "$w/hook2.yaml" <<'PY'
import json, sys, yaml
d = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["metadata"]["name"] == "hook"][0]
d = json.loads(json.dumps(d).replace('"hook"', '"hook2"'))
yaml.safe_dump(d, open(sys.argv[2], "w"))
PY
curl -sS --cacert "$w/pki/ca.crt" -o /dev/null -X POST "$server/_test/script" --data-binary '[
 {"match": {"podPrefix": "hook2-", "initContainerPrefix": "kmend-"}, "outcome": "post-start-failed", "exitCode": 1, "hookOutput": "dpkg: error"}]'
D apply "$w/hook2.yaml" 60 "$w/first.yaml" >"$w/killed" 2>&1 &
dpid=$!
for _ in $(seq 100); do grep -q deployed "$w/killed" && break; sleep 0.1; done
kill -9 $dpid
wait $dpid 2>/dev/null
kmark=$(jq -r 'select(.mark) | .mark' "$w/killed")
expect_eq "kill -9: the workload is still marked as deploying" "hook2 deploying" \
  "$(D marked | jq -r "select(.id == \"$kmark\") | \"\(.name) \(.phase)\"")"
D attach "$w/hook2.yaml" 10 >"$w/out" 2>"$w/err"
expect_eq "kill -9: a later run attaches and finds the hook failed" post-start-hook-failed "$(field hook2 failure)"
expect_eq "the server logged no error" "" "$(grep -i -E 'traceback|error' "$w/server.log")"
done_testing
