# kmend apply with the podman backend, real containers: the Debian 12 test image pushed to a
# docker-registry on 127.0.0.1, its fixed packages in the signed local apt repository on
# 127.0.0.1. (a) A pod fixed and healthy: every fixed package checked inside the running
# container. (b) A fix whose download cannot succeed (a package file corrupted on the server:
# its SHA-256 no longer matches the index) is detected, rolled back, and the first file's pod
# runs; output and --report name the init container's exit code and quote apt's error.
# (c) kmend killed with SIGKILL during (b), then `kmend apply --resume`, ends as (b).
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/podman.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
w=$(mktemp -d)
pids=()
pods=(kapply-ok kapply-bad kapply-killed)
cleanup() {
  for p in "${pods[@]}"; do podman pod rm -f "$p" >/dev/null 2>&1; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$w"
}
trap cleanup EXIT
podman_setup
start_registry registry
reg=127.0.0.1:$port
podman_trust_registry "$reg"
skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://$reg/kmend/debian:12" ||
  { not_ok "push the test image to the registry"; done_testing; }
cp -a "$repo/repo" "$w/repo"
apt_repo_serve "$w/repo"
run_kmend db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"

# kapply ARGS...: kmend apply on podman, with fix's options for this registry and repository.
kapply() {
  run_kmend apply --backend podman --state-dir "$w/state" --timeout 240s --db "$w/vuln.db" \
    --no-cache --insecure-registry "$reg" --mirror "http://127.0.0.1:$apt_port" \
    --mirror-key "$repo/key.gpg" "$@"
}

# pod_yaml NAME: a first file. hostNetwork: the repository is on the loopback.
pod_yaml() {
  cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  hostNetwork: true
  containers:
  - name: app
    image: $reg/kmend/debian:12
    command: ["sleep", "3600"]
YAML
}

# --- (a) fixed and healthy ---
pod_yaml kapply-ok >"$w/ok.yaml"
cp "$w/ok.yaml" "$w/ok.before"
kapply --report "$w/ok.json" "$w/ok.yaml"
expect_eq "(a) exit 0: every fixed workload is healthy" "0" "$rc"
expect_contains "(a) says so" "$w/ok.yaml: Pod kapply-ok: fixed and healthy" "$out"
expect_contains "(a) each action logged with its time" "Z kmend apply: $w/ok.yaml: deploying the second file" "$err"
expect_eq "(a) the first file is untouched" "" "$(cmp "$w/ok.yaml" "$w/ok.before")"
expect_eq "(a) the report: one workload, fixed, not rolled back" "fixed false healthy" \
  "$(jq -r '.files[0] | "\(.workloads[0].outcome) \(.rolled_back) \(.workloads[0].second.health)"' "$w/ok.json" 2>&1)"
run_kmend scan --db "$w/vuln.db" --no-cache --insecure-registry "$reg" --format json "$reg/kmend/debian:12"
jq -r '.results[0].findings[] | select(.fixed) | "\(.package) \(.fixed)"' <<<"$out" | sort -u >"$w/vulnerable"
expect_eq "(a) the image has fixable findings to check" "yes" "$([ -s "$w/vulnerable" ] && echo yes)"
bad=""
while read -r pkg fixed; do
  have=$(podman exec kapply-ok-app dpkg-query -W -f '${Version}' "$pkg" 2>&1)
  dpkg --compare-versions "$have" ge "$fixed" || bad="$bad $pkg=$have<$fixed"
done <"$w/vulnerable"
expect_eq "(a) inside the running container every vulnerable package is at or above its fixed version" "" "$bad"
expect_eq "(a) dpkg --audit is clean inside" "" "$(podman exec kapply-ok-app dpkg --audit 2>&1)"
expect_eq "(a) the application runs as its original command" "sleep 3600" \
  "$(podman exec kapply-ok-app sh -c 'tr "\0" " " </proc/1/cmdline' 2>&1 | sed 's/ $//')"
run_kmend apply --backend podman --state-dir "$w/state" --resume
expect_eq "(a) settled: nothing left to resume" "0" "$rc"
expect_contains "(a) settled: said so" "no interrupted apply to finish" "$err"
podman pod rm -f kapply-ok >/dev/null 2>&1

# --- (b) an install that cannot succeed: rolled back ---
deb=$(find "$w/repo/pool" -name 'perl-base_*.deb' | head -n 1)
printf 'corrupted' | dd of="$deb" bs=1 seek=1000 conv=notrunc status=none
pod_yaml kapply-bad >"$w/bad.yaml"
kapply --report "$w/bad.json" "$w/bad.yaml"
expect_eq "(b) exit 1: a workload was rolled back" "1" "$rc"
expect_contains "(b) rolled back" "$w/bad.yaml: Pod kapply-bad: rolled back to the first file" "$out"
expect_contains "(b) the init container and its exit code named" "init-container-failed: container kmend-download-1 of pod kapply-bad exited with code" "$out"
expect_contains "(b) apt's error quoted" "Hash Sum mismatch" "$out"
expect_contains "(b) the rollback logged" "1 workload failed: deploying the first file again" "$err"
expect_eq "(b) the report: rolled back, the init container's exit code, the first file healthy" \
  "rolled-back true kmend-download-1 yes healthy" \
  "$(jq -r '.files[0] | "\(.workloads[0].outcome) \(.rolled_back) \(.workloads[0].second.container) \(if .workloads[0].second.exit_code > 0 then "yes" else "no" end) \(.workloads[0].first.health)"' "$w/bad.json" 2>&1)"
expect_contains "(b) the report quotes apt's error" "Hash Sum mismatch" "$(jq -r '.files[0].workloads[0].second.log' "$w/bad.json")"
# first_runs POD: the pod runs the first file: no kmend init container, the original command.
first_runs() {
  local inits
  inits=$(podman pod inspect "$1" --format '{{range .Containers}}{{.Name}} {{end}}' 2>&1)
  case "$inits" in *kmend-download*) echo "kmend's init container is there: $inits"; return ;; esac
  podman inspect --format '{{.State.Status}} {{.Path}} {{join .Args " "}}' "$1-app" 2>&1
}
expect_eq "(b) the first file's pod runs" "running sleep 3600" "$(first_runs kapply-bad)"
# docs/apply.md shows this run's output: its text block run by this test.
printf '%s\n' "$err" "$out" >"$w/b.out"
python3 "$KMEND_SOURCE/test/markdown.py" blocks "$KMEND_SOURCE/docs/apply.md" |
  jq -r 'select(.info == "text run-by=test/apply/podman.sh") | .text' >"$w/b.shown"
if [ -s "$w/b.shown" ] && python3 "$KMEND_SOURCE/test/markdown.py" match "$w/b.shown" "$w/b.out" >"$w/b.diff" 2>&1; then
  ok "(b) docs/apply.md's example is this output"
else
  not_ok "(b) docs/apply.md's example is this output" "$(cat "$w/b.diff")"
fi
podman pod rm -f kapply-bad >/dev/null 2>&1

# --- (c) kill -9 during (b), then --resume ---
pod_yaml kapply-killed >"$w/killed.yaml"
"$KMEND" apply --backend podman --state-dir "$w/state" --timeout 240s --db "$w/vuln.db" \
  --no-cache --insecure-registry "$reg" --mirror "http://127.0.0.1:$apt_port" \
  --mirror-key "$repo/key.gpg" "$w/killed.yaml" >"$w/killed.out" 2>&1 &
pid=$!
pids+=("$pid")
for _ in $(seq 600); do
  grep -q "deploying the second file" "$w/killed.out" && podman pod exists kapply-killed && break
  sleep 0.2
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
expect_contains "(c) killed after deploying" "deploying the second file" "$(cat "$w/killed.out")"
expect_eq "(c) the killed apply left its journal, naming the pod" "1" "$(grep -l kapply-killed "$w/state"/*.json 2>/dev/null | wc -l)"
run_kmend apply --backend podman --state-dir "$w/state" --resume --report "$w/resumed.json"
expect_eq "(c) --resume: exit 1, as (b)" "1" "$rc"
expect_contains "(c) --resume finished the interrupted apply" "was interrupted" "$err"
expect_contains "(c) --resume rolled it back" "$w/killed.yaml: Pod kapply-killed: rolled back to the first file" "$out"
expect_contains "(c) --resume quotes apt's error" "Hash Sum mismatch" "$out"
expect_eq "(c) the report says it was resumed and rolled back" "true rolled-back healthy" \
  "$(jq -r '.files[0] | "\(.resumed) \(.workloads[0].outcome) \(.workloads[0].first.health)"' "$w/resumed.json" 2>&1)"
expect_eq "(c) the first file's pod runs, as in (b)" "running sleep 3600" "$(first_runs kapply-killed)"
run_kmend apply --backend podman --state-dir "$w/state" --resume
expect_contains "(c) settled: nothing left to resume" "no interrupted apply to finish" "$err"
podman pod rm -f kapply-killed >/dev/null 2>&1

# --- usage ---
run_kmend apply --backend docker "$w/ok.yaml"
expect_eq "an unknown backend: exit 2" "2" "$rc"
run_kmend apply --resume "$w/ok.yaml"
expect_eq "--resume with a MANIFEST: exit 2" "2" "$rc"
run_kmend apply --dry-run "$w/ok.yaml"
expect_contains "--dry-run: pointed to kmend fix --dry-run" "kmend fix --dry-run" "$err"
done_testing
