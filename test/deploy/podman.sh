# lib/deploy's podman backend with real containers (test/podman.bash's settings): a healthy
# pod, an init container that fails, a crash loop, a postStart hook that fails, a completed Job,
# an image that cannot be pulled, a command that cannot start, kmend's own timeout; the marks a
# killed apply leaves behind; remove and deploy the first file again (a rollback's steps).
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/podman.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
w=$(mktemp -d)
drv="$KMEND_BUILD/test/deploy_driver"
podman_setup
podman_load_debian12 "$img"
I=$debian12_podman_ref
pods="kdt-healthy kdt-initfail kdt-crash kdt-hookfail kdt-job kdt-pull kdt-nostart kdt-slow kdt-killed"
cleanup() {
  for p in $pods; do podman pod rm -f -t 0 "$p" >/dev/null 2>&1; done
  rm -rf "$w"
}
trap cleanup EXIT
cleanup_pods() { for p in $pods; do podman pod rm -f -t 0 "$p" >/dev/null 2>&1; done; }
cleanup_pods
mkdir -p "$w"
D() { "$drv" --state-dir "$w/state" --min-ready-ms 1000 "$@"; }
# status NAME: the line of NAME in the last run's output.
status() { jq -c "select(.name == \"$1\")" "$w/out"; }
field() { jq -r "select(.name == \"$1\") | .$2" "$w/out"; }

# The first file: what the user runs today. The second: kmend's repair inserted (by hand here).
cat >"$w/first.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: kdt-initfail}
spec:
  selector: {matchLabels: {app: kdt-initfail}}
  template:
    metadata: {labels: {app: kdt-initfail}}
    spec:
      containers:
      - {name: app, image: $I, command: [sleep, "300"]}
YAML
cat >"$w/second.yaml" <<YAML
# Five workloads, each a case; comments and flow style survive (the file is never rewritten).
apiVersion: apps/v1
kind: Deployment
metadata: {name: kdt-healthy}
spec:
  selector: {matchLabels: {app: kdt-healthy}}
  template:
    metadata:
      labels: {app: kdt-healthy}
      annotations:
        # Longer than podman's 63-byte limit: left out of podman's copy only.
        kmend.dev/repair: '{"v":1,"inserted":["initContainers/kmend-fetch","volumes/kmend-debs"]}'
    spec:
      hostNetwork: true
      initContainers:
      - {name: kmend-fetch, image: $I, command: [sh, -c, "echo fetched > /dev/null"]}
      containers:
      - name: app
        image: $I
        command: [sleep, "300"]
        lifecycle: {postStart: {exec: {command: [sh, -c, "echo hook-ran > /tmp/hook"]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kdt-initfail}
spec:
  selector: {matchLabels: {app: kdt-initfail}}
  template:
    metadata: {labels: {app: kdt-initfail}}
    spec:
      initContainers:
      - name: kmend-fetch
        image: $I
        command: [sh, -c, "echo 'Reading package lists...'; echo 'E: Version 2.36.1-8+deb12u2 for libc6 was not found' >&2; exit 100"]
      containers:
      - {name: app, image: $I, command: [sleep, "300"]}
---
apiVersion: v1
kind: Pod
metadata: {name: kdt-crash}
spec:
  containers:
  - {name: app, image: $I, command: [sh, -c, "echo starting; printf '\\e[31mfatal: config missing\\n' >&2; exit 2"]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kdt-hookfail}
spec:
  template:
    spec:
      containers:
      - name: app
        image: $I
        command: [sleep, "300"]
        lifecycle:
          postStart:
            exec:
              command: [sh, -c, "echo installing; echo 'dpkg: error processing archive /kmend/debs/libc6.deb (--install)' >&2; exit 1"]
---
apiVersion: batch/v1
kind: Job
metadata: {name: kdt-job}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: once
        image: $I
        command: ["true"]
        lifecycle: {postStart: {httpGet: {path: /, port: 80}}}
YAML
sum_before=$(sha256sum <"$w/second.yaml")
D apply "$w/second.yaml" 120 "$w/first.yaml" >"$w/out" 2>"$w/err"
rc=$?
expect_eq "apply of five workloads exits 1 (some failed)" 1 "$rc"
expect_eq "the user's file is untouched" "$sum_before" "$(sha256sum <"$w/second.yaml")"
mark=$(jq -r 'select(.mark) | .mark' "$w/out")

expect_eq "healthy: a Deployment whose init container and hook succeed" healthy "$(field kdt-healthy health)"
expect_eq "healthy: its postStart hook ran inside the container (podman exec)" hook-ran \
  "$(podman exec kdt-healthy-app cat /tmp/hook 2>&1)"
expect_eq "healthy: podman's copy ran with restartPolicy Never" no \
  "$(podman inspect --format '{{.HostConfig.RestartPolicy.Name}}' kdt-healthy-app)"
expect_eq "healthy: the pod carries the apply's mark as a label" "$mark" \
  "$(podman pod inspect kdt-healthy | jq -r '(if type == "array" then .[0] else . end).Labels["kmend.dev/apply"]')"

expect_eq "init container: failure kind" init-container-failed "$(field kdt-initfail failure)"
expect_eq "init container: its exit code" 100 "$(field kdt-initfail exit_code)"
expect_eq "init container: its name" kmend-fetch "$(field kdt-initfail container)"
expect_contains "init container: apt's error quoted from its log" \
  "E: Version 2.36.1-8+deb12u2 for libc6 was not found" "$(field kdt-initfail log)"
expect_contains "init container: stdout and stderr in order" \
  "Reading package lists..."$'\n'"E: Version" "$(field kdt-initfail log)"
expect_eq "init container: the condition" "Initialized=False (ContainersNotInitialized)" \
  "$(field kdt-initfail condition)"
sleep 2
expect_eq "init container: podman did not restart it in a loop" "exited 100 0" \
  "$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' kdt-initfail-kmend-fetch)"
expect_eq "init container: the app container never started" created \
  "$(podman inspect --format '{{.State.Status}}' kdt-initfail-app)"

expect_eq "crash loop: failure kind" crash-loop "$(field kdt-crash failure)"
expect_eq "crash loop: the state's reason" CrashLoopBackOff "$(field kdt-crash state_reason)"
expect_eq "crash loop: exit code" 2 "$(field kdt-crash exit_code)"
expect_contains "crash loop: the log, control characters replaced" "?[31mfatal: config missing" \
  "$(field kdt-crash log)"
expect_contains "crash loop: says what a kubelet would do" "restartPolicy Always restarts it" \
  "$(field kdt-crash message)"

expect_eq "postStart: failure kind" post-start-hook-failed "$(field kdt-hookfail failure)"
expect_eq "postStart: reason as the kubelet's event" FailedPostStartHook "$(field kdt-hookfail state_reason)"
expect_eq "postStart: the hook's exit code" 1 "$(field kdt-hookfail exit_code)"
expect_contains "postStart: dpkg's error from the hook's output" \
  "dpkg: error processing archive /kmend/debs/libc6.deb" "$(field kdt-hookfail log)"
expect_contains "postStart: the message names the hook and container" \
  "Exec lifecycle hook ([sh -c echo installing;" "$(field kdt-hookfail message)"
expect_eq "postStart: the container was stopped, as a kubelet kills it" exited \
  "$(podman inspect --format '{{.State.Status}}' kdt-hookfail-app)"

expect_eq "job: a container that completes under restartPolicy Never is healthy" healthy \
  "$(field kdt-job health)"
expect_eq "job: an httpGet hook podman cannot run is a warning" podman-hook-not-run \
  "$(jq -r 'select(.warning) | .warning' "$w/out")"

# The marks: every workload of the apply is listed with the first file, until it is settled.
D marked >"$w/marked"
expect_eq "marks: the five workloads of the unsettled apply" \
  "kdt-healthy kdt-initfail kdt-crash kdt-hookfail kdt-job" \
  "$(jq -r "select(.id == \"$mark\") | .name" "$w/marked" | xargs)"
expect_eq "marks: each holds the first file" "$(cat "$w/first.yaml")" \
  "$(jq -r "select(.id == \"$mark\" and .name == \"kdt-initfail\") | .first" "$w/marked")"
expect_eq "marks: the journal is private" 600 "$(stat -c %a "$w/state/$mark.json")"

# Rollback's steps for the failed workload: take the second file down, deploy the first.
D remove "$w/second.yaml" 2>"$w/err"
expect_eq "remove: every pod of the second file is gone" "" \
  "$(podman pod ps --format '{{.Name}}' | grep -E '^kdt-(healthy|initfail|crash|hookfail|job)$')"
D remove "$w/second.yaml" 2>"$w/err"
expect_eq "remove: removing again is not an error" 0 "$?"
D rollback "$w/second.yaml" "$w/first.yaml" 60 >"$w/out" 2>"$w/err"
expect_eq "rollback: the first file's Deployment runs healthy" "0 healthy" "$? $(field kdt-initfail health)"
D settle "$mark" rolled-back
D marked >"$w/marked"
expect_eq "marks: a settled apply is no longer listed" "" "$(jq -r "select(.id == \"$mark\") | .name" "$w/marked")"
expect_eq "marks: its journal records the outcome" rolled-back "$(jq -r .phase "$w/state/$mark.json")"

# kube play failures that leave no running container.
cat >"$w/pull.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: kdt-pull}
spec:
  containers:
  - {name: app, image: "127.0.0.1:1/kmend/nothing:1"}
---
apiVersion: v1
kind: Pod
metadata: {name: kdt-nostart}
spec:
  containers:
  - {name: app, image: $I, command: [kmend-no-such-binary]}
YAML
D apply "$w/pull.yaml" 60 >"$w/out" 2>"$w/err"
expect_eq "image pull: failure kind" image-pull "$(field kdt-pull failure)"
expect_eq "image pull: reason" ErrImagePull "$(field kdt-pull state_reason)"
expect_contains "image pull: podman's message" "127.0.0.1:1" "$(field kdt-pull message)"
expect_eq "start error: failure kind" create-container "$(field kdt-nostart failure)"
expect_contains "start error: podman's message" "executable file not found" "$(field kdt-nostart message)"

# kmend's own timeout: an init container still running when it passes.
cat >"$w/slow.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: kdt-slow}
spec:
  initContainers:
  - {name: wait, image: $I, command: [sleep, "120"]}
  containers:
  - {name: app, image: $I, command: [sleep, "300"]}
YAML
# kube play waits for init containers, so the play itself runs in the background here, as it
# would while kmend is killed: the watch starts once the pod exists.
cat >"$w/killed.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: kdt-killed}
spec:
  containers:
  - {name: app, image: $I, command: [sh, -c, "sleep 2; exit 3"]}
YAML
D apply "$w/killed.yaml" 120 "$w/first.yaml" >"$w/killed.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  podman container exists kdt-killed-app && break
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
kmark=$(jq -r 'select(.mark) | .mark' "$w/killed.out")
D marked >"$w/marked"
expect_eq "kill -9: the killed apply's workload is still marked" kdt-killed \
  "$(jq -r "select(.id == \"$kmark\") | .name" "$w/marked")"
# (A container counts as ready after 10 s here, so that its exit at 2 s is seen, not raced.)
"$drv" --state-dir "$w/state" --min-ready-ms 10000 attach "$w/killed.yaml" 60 >"$w/out" 2>"$w/err"
expect_eq "kill -9: a later run attaches and finds the outcome" "1 crash-loop 3" \
  "$? $(field kdt-killed failure) $(field kdt-killed exit_code)"
D remove "$w/killed.yaml" && D settle "$kmark" rolled-back
expect_eq "kill -9: after the rollback it is settled" "" "$(D marked | jq -r "select(.id == \"$kmark\") | .name")"

timeout 60 podman kube play "$w/slow.yaml" >/dev/null 2>&1 &
for _ in $(seq 100); do
  podman container exists kdt-slow-wait && break
  sleep 0.1
done
D attach "$w/slow.yaml" 3 >"$w/out" 2>"$w/err"
expect_eq "timeout: an init container still running" "timeout Initialized=False (ContainersNotInitialized)" \
  "$(field kdt-slow failure) $(field kdt-slow condition)"
podman pod rm -f -t 0 kdt-slow >/dev/null 2>&1
wait

# Bad input never reaches podman.
printf 'kind: Pod\nmetadata: {name: [x}\n' >"$w/bad.yaml"
D apply "$w/bad.yaml" 5 >"$w/out" 2>"$w/err"
expect_eq "malformed manifest: an operational error, named" 3 "$?"
expect_contains "malformed manifest: the file is named" "bad.yaml" "$(cat "$w/err")"
done_testing
