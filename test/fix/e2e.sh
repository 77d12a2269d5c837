# kmend fix end to end with real containers: the Debian 12 test image pushed to a real
# docker-registry on 127.0.0.1, the signed local apt repository of its fixed packages served on
# 127.0.0.1, `kmend fix --mirror` of a Pod whose containers run it with command and args, with
# args only, and with neither (the image's Cmd), and the second file run with `podman kube play`.
# Inside each running container dpkg shows every vulnerable package at or above its fixed
# version, `dpkg --audit` is clean, and a rescan of the committed container finds nothing left
# to fix. Then second files whose install cannot succeed (a package file corrupted on the
# server after fix, a version that has left the repository) keep the pod from starting, with
# apt's error in the init container's log; and --install-at poststart writes the hook (podman
# ignores postStart hooks, so the file is checked, not run).
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/podman.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
command -v skopeo >/dev/null && command -v umoci >/dev/null || { not_ok "skopeo and umoci are installed (tools/debian-packages)"; done_testing; }
w=$(mktemp -d)
pids=()
pods=()
cleanup() {
  for p in "${pods[@]}"; do podman pod rm -f "$p" >/dev/null 2>&1; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$w"
}
trap cleanup EXIT
podman_setup
start_registry registry
reg=127.0.0.1:$port
# podman pulls from the test registry over plain HTTP: its host:port, insecure, in a
# registries.conf of this suite's own.
podman_trust_registry "$reg"

# The test image, and the same image whose Cmd runs something that stays up (for the
# container with neither command nor args, which runs the image's Cmd).
skopeo copy --quiet --dest-tls-verify=false "oci:$img/oci:12" "docker://$reg/kmend/debian:12" ||
  { not_ok "push the test image to the registry"; done_testing; }
cp -a "$img/oci" "$w/oci"
umoci config --image "$w/oci:12" --tag sleeper --config.cmd sleep --config.cmd 3600 &&
  skopeo copy --quiet --dest-tls-verify=false "oci:$w/oci:sleeper" "docker://$reg/kmend/sleeper:12" ||
  { not_ok "push the sleeper image to the registry"; done_testing; }

# The repository, a copy of our own to serve (and to tamper with later).
cp -a "$repo/repo" "$w/repo"
apt_repo_serve "$w/repo"
mirror="http://127.0.0.1:$apt_port"
run_kmend db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"
kfix() {
  run_kmend fix --db "$w/vuln.db" --no-cache --insecure-registry "$reg" --mirror "$mirror" --mirror-key "$repo/key.gpg" "$@"
  [ "$rc" = 0 ] || sed 's/^/# kmend fix: /' <<<"$err"
}

# pod_yaml NAME: the first deployment file, with the three ways a container says what it runs.
pod_yaml() {
  cat <<YAML
# A pod as podman kube play runs it on this machine: hostNetwork (the repository is on the
# loopback), restartPolicy Never (podman would restart a failed init container for ever).
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - name: both    # command and args
    image: $reg/kmend/debian:12
    command: ["sleep"]
    args: ["3600"]
  - name: args-only   # args only: the image has no Entrypoint, so args are the command
    image: $reg/kmend/debian:12
    args:
    - sleep
    - "3600"
  - name: neither   # the image's Cmd
    image: $reg/kmend/sleeper:12
YAML
}
pod_yaml kmend-e2e >"$w/pod.yaml"
cp "$w/pod.yaml" "$w/pod.yaml.before"

# --- the repair ---
kfix -o "$w/fixed.yaml" --format json "$w/pod.yaml"
expect_eq "fix: exit 0" "0" "$rc"
echo "$out" >"$w/report.json"
expect_eq "fix: the input is untouched" "" "$(cmp "$w/pod.yaml" "$w/pod.yaml.before")"
expect_eq "fix: every container is repaired" "install install install" \
  "$(jq -r '[.containers[].action] | join(" ")' "$w/report.json")"
expect_eq "fix: nothing remains" "0" "$(jq '.summary.remaining' "$w/report.json")"
expect_eq "fix: one download step per image" "kmend-download-1 kmend-download-2" \
  "$(python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(" ".join(c["name"] for c in d["spec"]["initContainers"]))' "$w/fixed.yaml")"
run_kmend revert "$w/fixed.yaml"
expect_eq "revert(fix(x)) is x, byte for byte" "$(cat "$w/pod.yaml")" "$out"

# Findings to check against: what scan says of each image (package, fixed version).
run_kmend scan --db "$w/vuln.db" --no-cache --insecure-registry "$reg" --format json "$reg/kmend/debian:12"
jq -r '.results[0].findings[] | select(.fixed) | "\(.package) \(.fixed)"' <<<"$out" | sort -u >"$w/vulnerable"
expect_eq "the test image has fixable findings" "yes" "$([ -s "$w/vulnerable" ] && echo yes)"

# --- run it ---
# play FILE: podman kube play FILE. podman 4.3 (Debian 12's) refuses every annotation value
# longer than 63 bytes, which Kubernetes allows up to 256 KiB (containers/podman#21663, fixed
# in podman 5.0): podman plays a copy without kmend's annotation, the same pod as data.
play() {
  python3 - "$1" >"$1.podman" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for meta in (doc.get("metadata") or {}, (doc.get("spec") or {}).get("template", {}).get("metadata") or {}):
    (meta.get("annotations") or {}).pop("kmend.dev/repair", None)
print(yaml.safe_dump(doc))
PY
  timeout 300 podman kube play "$1.podman"
}
pods+=(kmend-e2e)
if ! play "$w/fixed.yaml" >"$w/play.log" 2>&1; then
  not_ok "podman kube play the second file" "$(cat "$w/play.log")"
  done_testing
fi
ok "podman kube play the second file"
for c in both args-only neither; do
  name=kmend-e2e-$c
  state=$(podman inspect --format '{{.State.Status}}' "$name" 2>&1)
  expect_eq "$c: running" "running" "$state"
  # The original command runs, as the process the install step exec'ed once it installed.
  pid1=""
  for _ in $(seq 240); do
    pid1=$(podman exec "$name" sh -c 'tr "\0" " " </proc/1/cmdline' 2>&1 | sed 's/ $//')
    [ "$pid1" = "sleep 3600" ] && break
    sleep 0.5
  done
  expect_eq "$c: the original command is PID 1, once the install is done" "sleep 3600" "$pid1"
  bad=""
  while read -r pkg fixed; do
    have=$(podman exec "$name" dpkg-query -W -f '${Version}' "$pkg" 2>&1)
    dpkg --compare-versions "$have" ge "$fixed" || bad="$bad $pkg=$have<$fixed"
  done <"$w/vulnerable"
  expect_eq "$c: dpkg-query shows every vulnerable package at or above its fixed version" "" "$bad"
  expect_eq "$c: dpkg --audit is clean" "" "$(podman exec "$name" dpkg --audit 2>&1)"
  expect_contains "$c: the install step said what it installed" "kmend: installing" "$(podman logs "$name" 2>&1)"
done
# A rescan of what runs: the container committed, saved as an oci-archive, scanned.
podman commit -q kmend-e2e-both localhost/kmend-e2e/committed:1 >/dev/null &&
  podman save -q --format oci-archive -o "$w/committed.tar" localhost/kmend-e2e/committed:1 ||
  not_ok "commit and save the repaired container"
podman rmi -f localhost/kmend-e2e/committed:1 >/dev/null 2>&1
run_kmend scan --db "$w/vuln.db" --no-cache --format json "oci-archive:$w/committed.tar"
expect_eq "rescan of the repaired container: no fixable finding left" "0" \
  "$(jq '[.results[0].findings[] | select(.fixed)] | length' <<<"$out")"
expect_eq "rescan: the image was read" "null" "$(jq -c '.results[0].error' <<<"$out")"
podman pod rm -f kmend-e2e >/dev/null 2>&1

# --- installs that cannot succeed keep the pod from starting ---
# play_fails FILE POD DESCRIPTION NEEDLE: play FILE (the pod POD); it must not run the
# application, and the download step's log must carry NEEDLE.
play_fails() {
  local name=$2 what=$3 played
  pods+=("$name")
  play "$1" >"$w/$name.log" 2>&1
  played=$?
  expect_eq "$what: podman kube play fails" "yes" "$([ "$played" != 0 ] && echo yes)"
  expect_eq "$what: the download step failed" "exited 1" \
    "$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name-kmend-download-1" 2>&1)"
  expect_eq "$what: the application was created, never started" "created 0001-01-01" \
    "$(podman inspect --format '{{.State.Status}} {{.State.StartedAt}}' "$name-both" 2>&1 | cut -d' ' -f1,2)"
  expect_contains "$what: apt's error is in the download step's log" "$4" "$(podman logs "$name-kmend-download-1" 2>&1)"
  podman pod rm -f "$name" >/dev/null 2>&1
}
pod_yaml kmend-e2e-corrupt >"$w/corrupt.yaml"
kfix --in-place "$w/corrupt.yaml"
expect_eq "fix --in-place: exit 0" "0" "$rc"
deb=$(find "$w/repo/pool" -name 'perl-base_*.deb' | head -n 1)
printf 'corrupted' | dd of="$deb" bs=1 seek=1000 conv=notrunc status=none
play_fails "$w/corrupt.yaml" kmend-e2e-corrupt "a package file corrupted on the server after fix" "Hash Sum mismatch"

pod_yaml kmend-e2e-gone >"$w/gone.yaml"
cp -a "$repo/repo/." "$w/repo/"
kfix --in-place "$w/gone.yaml"
rm "$deb"
apt_repo_reindex "$w/repo"
play_fails "$w/gone.yaml" kmend-e2e-gone "a version that has left the repository" "404"

# --- hostile input: clear errors, the input file never damaged ---
cp -a "$repo/repo/." "$w/repo/"
apt_repo_reindex "$w/repo"
sed "s|$reg/kmend/sleeper:12|$reg/kmend/no-such-image:1|" "$w/pod.yaml" >"$w/missing.yaml"
cp "$w/missing.yaml" "$w/missing.before"
kfix --in-place "$w/missing.yaml"
expect_eq "an image that cannot be read: exit 2 (docs/cli.md: a missing input)" "2" "$rc"
expect_contains "an image that cannot be read: named in the error" "$reg/kmend/no-such-image: /v2/kmend/no-such-image/manifests/1 not found" "$err"
expect_eq "an image that cannot be read: the file is untouched, no backup made" "" \
  "$(cmp "$w/missing.yaml" "$w/missing.before")$(ls "$w"/missing.yaml.orig* 2>/dev/null)"
# An index whose checksum differs from the signed Release's.
echo "Package: tampered" >>"$w/repo/dists/bookworm-security/main/binary-amd64/Packages"
rm -f "$w/repo/dists/bookworm-security/main/binary-amd64/Packages.xz"
xz -k "$w/repo/dists/bookworm-security/main/binary-amd64/Packages"
cp "$w/pod.yaml" "$w/tampered.yaml"
kfix --in-place "$w/tampered.yaml"
expect_eq "an index with a wrong checksum: exit 2 (docs/cli.md: content that does not match its digest)" "2" "$rc"
expect_contains "an index with a wrong checksum: said so" "Packages" "$err"
expect_eq "an index with a wrong checksum: the file is untouched" "" "$(cmp "$w/tampered.yaml" "$w/pod.yaml")$(ls "$w"/tampered.yaml.orig* 2>/dev/null)"
cp -a "$repo/repo/." "$w/repo/"

# --- postStart: the hook is written (podman does not run postStart hooks) ---
kfix --install-at poststart -o "$w/poststart.yaml" "$w/pod.yaml"
expect_eq "poststart: exit 0" "0" "$rc"
expect_contains "poststart: warned that the hook runs alongside the entrypoint" "at the same time" "$err"
python3 - "$w/poststart.yaml" "$w/pod.yaml" >"$w/poststart.check" <<'PY'
import sys, yaml
new, old = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
for n, o in zip(new["spec"]["containers"], old["spec"]["containers"]):
    hook = n["lifecycle"]["postStart"]["exec"]["command"]
    print(n["name"], hook[:2] == ["/bin/sh", "-c"] and "dpkg" in hook[2],
          n.get("command") == o.get("command") and n.get("args") == o.get("args"),
          [m["mountPath"] for m in n["volumeMounts"]])
PY
expect_eq "poststart: every container has the hook, its command and args untouched, the volume mounted" \
  "both True True ['/kmend-packages']
args-only True True ['/kmend-packages']
neither True True ['/kmend-packages']" "$(cat "$w/poststart.check")"
done_testing
