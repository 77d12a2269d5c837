# test/kube/apiserver.py on its own, with curl: there is no real Kubernetes API server on these
# machines, so the stand-in kmend's Kubernetes backend is tested against must itself be shown to
# behave as the real one does: TLS and authentication, server-side apply with managers and
# conflicts, the controllers and the scripted kubelet, lists, watches, 410 Gone.
. "$KMEND_SOURCE/test/lib.sh"
w=$(mktemp -d)
. "$KMEND_SOURCE/test/kube/apiserver.bash"
trap 'stop_apiserver; rm -rf "$w"' EXIT
tok=kmend-test-token-$RANDOM$RANDOM
start_apiserver --token "$tok" --history 200 --bookmark-seconds 0.5 --namespaces default,shop
base=$server
k() { curl -sS --cacert "$w/pki/ca.crt" -H "Authorization: Bearer $tok" "$@"; }
# apply FILE PATH MANAGER [force]: server-side apply, body to $w/resp, the HTTP status printed.
apply() {
  k -o "$w/resp" -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
    --data-binary @"$1" "$base$2?fieldManager=$3${4:+&force=true}"
}
ctl() { curl -sS --cacert "$w/pki/ca.crt" -X POST "$base/_test/$1" ${2:+--data-binary "$2"} >/dev/null; }
# until DESCRIPTION URL JQ: poll (10 s) until the jq expression is true for GET URL.
until_true() {
  local i
  for i in $(seq 100); do
    [ "$(k "$base$2" | jq -r "$3" 2>/dev/null)" = true ] && { ok "$1"; return 0; }
    sleep 0.1
  done
  not_ok "$1" "$(k "$base$2" | head -c 1500)"
  return 1
}
D=/apis/apps/v1/namespaces/default/deployments

# TLS with its own CA, and who may talk to it.
curl -sS -o /dev/null "$base/api" 2>/dev/null
expect_eq "TLS: a client without the CA refuses the certificate (curl 60)" 60 "$?"
expect_eq "auth: no credential is 401 with a Status" "401 Unauthorized" \
  "$(curl -sS --cacert "$w/pki/ca.crt" "$base/api/v1/pods" | jq -r '"\(.code) \(.reason)"')"
expect_eq "auth: a wrong token is 401" 401 \
  "$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$w/pki/ca.crt" -H 'Authorization: Bearer nope' "$base/api/v1/pods")"
expect_eq "auth: the bearer token is accepted" PodList "$(k "$base/api/v1/pods" | jq -r .kind)"
expect_eq "auth: the client certificate is accepted" NamespaceList \
  "$(curl -sS --cacert "$w/pki/ca.crt" --cert "$w/pki/client.crt" --key "$w/pki/client.key" "$base/api/v1/namespaces" | jq -r .kind)"
expect_eq "auth: a certificate from another CA is refused by TLS" 000 \
  "$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=x -days 1 \
       -keyout "$w/other.key" -out "$w/other.crt" 2>/dev/null
     curl -sS -o /dev/null -w '%{http_code}' --cacert "$w/pki/ca.crt" --cert "$w/other.crt" --key "$w/other.key" "$base/api" 2>/dev/null)"

# Server-side apply.
cat >"$w/first.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: "registry.example/web:1", args: ["--port", "8080"]}
YAML
cat >"$w/second.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}, annotations: {kmend.dev/apply: '{"v":1}'}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {kmend.dev/repair: '{"v":1}'}}
    spec:
      volumes: [{name: kmend-debs, emptyDir: {}}]
      initContainers:
      - {name: kmend-fetch, image: "registry.example/web:1", command: [sh, -c, "fetch"]}
      containers:
      - name: app
        image: "registry.example/web:1"
        args: ["--port", "8080"]
        volumeMounts: [{name: kmend-debs, mountPath: /kmend}]
YAML
expect_eq "apply: creates (201)" 201 "$(apply "$w/first.yaml" "$D/web" kmend)"
expect_eq "apply: managedFields name the manager and Apply" "kmend Apply" \
  "$(jq -r '.metadata.managedFields[0] | "\(.manager) \(.operation)"' "$w/resp")"
expect_eq "apply: FieldsV1 keys list items by name" true \
  "$(jq '.metadata.managedFields[0].fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"] | has("k:{\"name\":\"app\"}")' "$w/resp")"
apply "$w/first.yaml" "$D/web" kmend >/dev/null
expect_eq "apply: generation 1" 1 "$(jq -r .metadata.generation "$w/resp")"
until_true "controller: the Deployment becomes available with one ready replica" "$D/web" \
  '.status.readyReplicas == 1 and (.status.conditions[] | select(.type == "Available") | .status) == "True"'
expect_eq "controller: one ReplicaSet named by the template hash, owned by the Deployment" "1 Deployment" \
  "$(k "$base/apis/apps/v1/namespaces/default/replicasets" | jq -r '"\(.items | length) \(.items[0].metadata.ownerReferences[0].kind)"')"

# Conflicts between managers (on a Deployment of their own), and no-op applies (a ConfigMap: no
# controller writes its status meanwhile).
sed 's/name: web/name: conf/' "$w/first.yaml" >"$w/conf.yaml"
apply "$w/conf.yaml" "$D/conf" kmend >/dev/null
sed 's/replicas: 1/replicas: 3/' "$w/conf.yaml" >"$w/scale.yaml"
expect_eq "conflict: another manager changing kmend's field is 409" 409 "$(apply "$w/scale.yaml" "$D/conf" hpa)"
expect_eq "conflict: the Status names the manager and the field" \
  'Conflict FieldManagerConflict .spec.replicas conflict with "kmend" using apps/v1' \
  "$(jq -r '"\(.reason) \(.details.causes[0].type) \(.details.causes[0].field) \(.details.causes[0].message)"' "$w/resp")"
expect_eq "conflict: force takes the field over" "200 3" \
  "$(apply "$w/scale.yaml" "$D/conf" hpa force) $(jq -r .spec.replicas "$w/resp")"
expect_eq "conflict: kmend no longer owns spec.replicas, still owns the rest" "false true" \
  "$(jq -r '.metadata.managedFields[] | select(.manager == "kmend") | .fieldsV1["f:spec"] | "\(has("f:replicas")) \(has("f:template"))"' "$w/resp")"
expect_eq "conflict: kmend applying its old replicas now conflicts with hpa" 409 "$(apply "$w/conf.yaml" "$D/conf" kmend)"
grep -v replicas "$w/conf.yaml" >"$w/other.yaml"
expect_eq "conflict: the same values from another manager are shared, not a conflict" 200 \
  "$(apply "$w/other.yaml" "$D/conf" other)"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: noop}\ndata: {a: "1"}\n' >"$w/noop.yaml"
apply "$w/noop.yaml" /api/v1/namespaces/default/configmaps/noop kmend >/dev/null
rv=$(jq -r .metadata.resourceVersion "$w/resp")
expect_eq "apply: the same configuration again is a no-op (resourceVersion kept)" "200 $rv" \
  "$(apply "$w/noop.yaml" /api/v1/namespaces/default/configmaps/noop kmend) $(jq -r .metadata.resourceVersion "$w/resp")"

# What kmend applied and then dropped is removed; what others own stays.
expect_eq "apply: the second file (kmend's parts)" 200 "$(apply "$w/second.yaml" "$D/web" kmend)"
expect_eq "apply: generation moves with the spec" 2 "$(jq -r .metadata.generation "$w/resp")"
expect_eq "apply: the first file again is the first file: kmend's parts are gone" "200 true" \
  "$(apply "$w/first.yaml" "$D/web" kmend) $(python3 -c '
import json, sys, yaml
live, first = json.load(open(sys.argv[1])), yaml.safe_load(open(sys.argv[2]))
print(str(live["spec"] == first["spec"] and "annotations" not in live["metadata"]).lower())' "$w/resp" "$w/first.yaml")"
printf 'kind: Deployment\napiVersion: apps/v1\nmetadata: {name: other}\n' >"$w/wrong.yaml"
expect_eq "apply: a body naming another object is 400" 400 "$(apply "$w/wrong.yaml" "$D/web" kmend)"
expect_eq "apply: without fieldManager is 422" 422 \
  "$(k -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' --data-binary @"$w/first.yaml" "$base$D/web")"
expect_eq "apply: a JSON merge patch is 415 here" 415 \
  "$(k -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{}' "$base$D/web?fieldManager=x")"

# The scripted kubelet: each failure kind as a kubelet reports it.
ctl script '[{"match": {"podPrefix": "initfail-", "initContainerPrefix": "kmend-"}, "outcome": "init-failed", "exitCode": 100,
  "log": "Reading package lists...\nE: Version 2.36.1-8+deb12u2 for libc6 was not found\n"},
 {"match": {"podPrefix": "crash-"}, "outcome": "crash-loop", "exitCode": 2, "log": "fatal: no config\n"},
 {"match": {"podPrefix": "hook-"}, "outcome": "post-start-failed", "exitCode": 1,
  "hookOutput": "dpkg: error processing archive /kmend/libc6.deb"},
 {"match": {"podPrefix": "pull-"}, "outcome": "image-pull"},
 {"match": {"podPrefix": "config-"}, "outcome": "create-config-error"},
 {"match": {"podPrefix": "unready-"}, "outcome": "never-ready"},
 {"match": {"podPrefix": "job-"}, "outcome": "complete"}]'
for n in initfail crash hook pull config unready; do
  sed "s/name: web/name: $n/; s/app: web/app: $n/g" "$w/second.yaml" >"$w/$n.yaml"
  [ $n = unready ] && sed -i 's/^  replicas: 1/  replicas: 1\n  progressDeadlineSeconds: 2/' "$w/$n.yaml"
  apply "$w/$n.yaml" "$D/$n" kmend >/dev/null
done
P=/api/v1/namespaces/default/pods
until_true "init-failed: the init container terminated with its exit code" "$P?labelSelector=app%3Dinitfail" \
  '.items[0].status.initContainerStatuses[0] | (.lastState.terminated.exitCode // .state.terminated.exitCode) == 100'
pod=$(k "$base$P?labelSelector=app%3Dinitfail" | jq -r '.items[0].metadata.name')
expect_eq "init-failed: the pod is not initialized" "False ContainersNotInitialized" \
  "$(k "$base$P/$pod" | jq -r '.status.conditions[] | select(.type == "Initialized") | "\(.status) \(.reason)"')"
expect_contains "init-failed: its log is served (tailLines)" "E: Version 2.36.1-8+deb12u2 for libc6 was not found" \
  "$(k "$base$P/$pod/log?container=kmend-fetch&tailLines=1")"
until_true "crash-loop: CrashLoopBackOff and a restart count" "$P?labelSelector=app%3Dcrash" \
  '.items[0].status.containerStatuses[0] | .state.waiting.reason == "CrashLoopBackOff" and .restartCount >= 1 and .lastState.terminated.exitCode == 2'
until_true "post-start: a FailedPostStartHook event for the pod" \
  "/api/v1/namespaces/default/events?fieldSelector=reason%3DFailedPostStartHook" \
  '.items[0].message | contains("dpkg: error processing archive")'
until_true "image-pull: ErrImagePull, then ImagePullBackOff" "$P?labelSelector=app%3Dpull" \
  '.items[0].status.containerStatuses[0].state.waiting.reason == "ImagePullBackOff"'
until_true "config: CreateContainerConfigError" "$P?labelSelector=app%3Dconfig" \
  '.items[0].status.containerStatuses[0].state.waiting.reason == "CreateContainerConfigError"'
until_true "never-ready: running, Ready False" "$P?labelSelector=app%3Dunready" \
  '.items[0].status.containerStatuses[0].state.running != null and ([.items[0].status.conditions[] | select(.type == "Ready")][0].status == "False")'
until_true "progress deadline: ProgressDeadlineExceeded after progressDeadlineSeconds" "$D/unready" \
  '[.status.conditions[] | select(.type == "Progressing")][0].reason == "ProgressDeadlineExceeded"'

# Rolling back: the first file's template again reuses its ReplicaSet; the failing pod goes.
sed "s/name: web/name: initfail/; s/app: web/app: initfail/g" "$w/first.yaml" >"$w/initfail1.yaml"
apply "$w/initfail1.yaml" "$D/initfail" kmend >/dev/null
until_true "rollback: the first file's Deployment becomes ready" "$D/initfail" \
  '.status.readyReplicas == 1 and ([.status.conditions[] | select(.type == "Progressing")][0].reason == "NewReplicaSetAvailable")'
until_true "rollback: the failed ReplicaSet is scaled to zero" \
  "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dinitfail" \
  '[.items[].spec.replicas] | sort == [0, 1]'

# StatefulSet, DaemonSet, Job, CronJob.
for kind in StatefulSet DaemonSet; do
  printf 'apiVersion: apps/v1\nkind: %s\nmetadata: {name: s-%s}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: c, image: "registry.example/x:1"}]}\n' \
    "$kind" "${kind,,}" >"$w/$kind.yaml"
  apply "$w/$kind.yaml" "/apis/apps/v1/namespaces/default/${kind,,}s/s-${kind,,}" kmend >/dev/null
done
until_true "statefulset: pod s-statefulset-0 ready" "/apis/apps/v1/namespaces/default/statefulsets/s-statefulset" '.status.readyReplicas == 1'
expect_eq "statefulset: its pod is named by ordinal" s-statefulset-0 \
  "$(k "$base$P/s-statefulset-0" | jq -r .metadata.name)"
until_true "daemonset: one pod on the one node ready" "/apis/apps/v1/namespaces/default/daemonsets/s-daemonset" '.status.numberReady == 1'
printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: job}\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec: {restartPolicy: Never, containers: [{name: c, image: "registry.example/x:1"}]}\n' >"$w/cron.yaml"
apply "$w/cron.yaml" /apis/batch/v1/namespaces/default/cronjobs/job kmend >/dev/null
until_true "cronjob: its Job completes" /apis/batch/v1/namespaces/default/jobs \
  '.items[0].status.conditions[0].type == "Complete" and .items[0].metadata.ownerReferences[0].kind == "CronJob"'

# Lists: namespaces, label selectors, pagination.
for i in 1 2 3 4 5; do
  k -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm$i\",\"labels\":{\"tier\":\"t$((i % 2))\"}}}" \
    "$base/api/v1/namespaces/shop/configmaps"
done
expect_eq "list: a namespace's objects only" 5 "$(k "$base/api/v1/namespaces/shop/configmaps" | jq '.items | length')"
expect_eq "list: label selector (=)" "cm1 cm3 cm5" \
  "$(k "$base/api/v1/configmaps?labelSelector=tier%3Dt1" | jq -r '.items[].metadata.name' | xargs)"
expect_eq "list: label selector (in, !=)" "cm2 cm4" \
  "$(k "$base/api/v1/configmaps?labelSelector=tier%20in%20(t0,t9),tier!%3Dt1" | jq -r '.items[].metadata.name' | xargs)"
page1=$(k "$base/api/v1/namespaces/shop/configmaps?limit=2")
c1=$(jq -r .metadata.continue <<<"$page1")
page2=$(k "$base/api/v1/namespaces/shop/configmaps?limit=2&continue=$c1")
c2=$(jq -r .metadata.continue <<<"$page2")
page3=$(k "$base/api/v1/namespaces/shop/configmaps?limit=2&continue=$c2")
expect_eq "pagination: limit/continue give every item once" "cm1 cm2 cm3 cm4 cm5 null" \
  "$(jq -r '.items[].metadata.name' <<<"$page1$page2$page3" | xargs) $(jq -r .metadata.continue <<<"$page3")"
expect_eq "pagination: remainingItemCount" 3 "$(jq -r .metadata.remainingItemCount <<<"$page1")"

# Watches.
rv=$(k "$base/api/v1/namespaces/shop/configmaps" | jq -r .metadata.resourceVersion)
k -N "$base/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion=$rv&allowWatchBookmarks=true&timeoutSeconds=3" >"$w/watch1" &
sleep 0.5
k -o /dev/null -X DELETE "$base/api/v1/namespaces/shop/configmaps/cm5"
k -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm6"}}' "$base/api/v1/namespaces/shop/configmaps"
wait $!
expect_eq "watch: from a resourceVersion, the changes after it, in order" "DELETED cm5 ADDED cm6" \
  "$(jq -r 'select(.type != "BOOKMARK") | "\(.type) \(.object.metadata.name)"' "$w/watch1" | xargs)"
expect_eq "watch: bookmarks carry a resourceVersion" true \
  "$(jq -s '[.[] | select(.type == "BOOKMARK")] | length > 0 and all(.object.metadata.resourceVersion | test("^[0-9]+$"))' "$w/watch1")"
k -N "$base/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion=$rv" >"$w/watch2" 2>"$w/watch2.err" &
wpid=$!
sleep 0.5
ctl drop-watches
wait $wpid
expect_eq "watch: a dropped connection ends the stream mid-way (curl 18)" 18 "$?"
ctl compact
k -N "$base/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion=$rv" >"$w/watch3"
expect_eq "watch: an old resourceVersion after compaction is an ERROR event with 410 Expired" "ERROR 410 Expired" \
  "$(jq -r '"\(.type) \(.object.code) \(.object.reason)"' "$w/watch3")"
expect_eq "pagination: a continue token from before compaction is 410" 410 \
  "$(k -o /dev/null -w '%{http_code}' "$base/api/v1/namespaces/shop/configmaps?limit=2&continue=$c1")"
k -N "$base/api/v1/namespaces/shop/configmaps?watch=1&timeoutSeconds=1" >"$w/watch4"
expect_eq "watch: without a resourceVersion it starts with the current state" "ADDED ADDED ADDED ADDED ADDED" \
  "$(jq -r .type "$w/watch4" | xargs)"
expect_eq "the server logged no error" "" "$(grep -i -E 'traceback|error' "$w/server.log")"
done_testing
