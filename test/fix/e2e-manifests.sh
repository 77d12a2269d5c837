# kmend fix on manifests, end to end but without running them: the real Debian 12 test image
# (as an OCI layout, --allow-local-images) and its signed local apt repository served on
# 127.0.0.1. What is repaired and what is refused, container by container (the pod's and the
# container's securityContext, read-only roots, hooks of their own, init and ephemeral
# containers, an image with nothing to hand over to); the report (text and JSON) and
# --exit-code; --dry-run's diff (patch turns the input into the output); -o and --in-place
# (the backup, a second run that changes nothing); fix of its own output (the same, or only
# kmend's parts replaced when the findings differ); revert; JSON manifests; usage errors.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
repo=$("$KMEND_SOURCE/test/images/apt-repo") || { not_ok "build the local apt repository"; done_testing; }
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$w"' EXIT
apt_repo_serve "$repo/repo"
run_kmend db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"
image="oci:$img/oci:12"
# The same image with neither Entrypoint nor Cmd: nothing for the install step to hand over to.
cp -a "$img/oci" "$w/oci"
umoci config --image "$w/oci:12" --tag bare --clear=config.cmd || not_ok "umoci config --clear=config.cmd"
bare="oci:$w/oci:bare"
kfix() { run_kmend fix -q --db "$w/vuln.db" --no-cache --allow-local-images --mirror "http://127.0.0.1:$apt_port" --mirror-key "$repo/key.gpg" "$@"; }
# yq FILE EXPR: a Python expression over the YAML documents of FILE (d: the list of them).
yq() { python3 -c 'import sys, yaml; d = list(yaml.safe_load_all(open(sys.argv[1]))); print(eval(sys.argv[2]))' "$1" "$2"; }

cat >"$w/app.yaml" <<YAML
# Every way a container can be refused, and the ways it can be repaired.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext:
        runAsUser: 1000       # the pod's user...
      initContainers:
      - name: migrate
        image: $image
        command: [sh, -c, "echo migrating"]
        securityContext: {runAsUser: 0}
      containers:
      - name: root            # ...but this container's wins
        image: $image
        command: ["sleep", "3600"]
        securityContext:
          runAsUser: 0
      - name: user            # the pod's user 1000
        image: $image
      - name: readonly
        image: $image
        securityContext:
          runAsUser: 0
          readOnlyRootFilesystem: true
---
apiVersion: v1
kind: Service
metadata:
  name: web   # not a workload: untouched
spec:
  ports: [{port: 80}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: nonroot
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: job
        image: $image
        args: ["true"]
---
apiVersion: v1
kind: Pod
metadata:
  name: bare
spec:
  containers:
  - name: nothing-to-run
    image: $bare
  - name: hooked
    image: $image
    lifecycle:
      postStart:
        exec: {command: ["true"]}
  ephemeralContainers:
  - name: debug
    image: $image
YAML
cp "$w/app.yaml" "$w/app.before"

# --- what is repaired, what is refused and why ---
kfix --format json --dry-run --exit-code 5 "$w/app.yaml"
expect_eq "dry run with findings left: --exit-code 5" "5" "$rc"
echo "$out" >"$w/report.json"
expect_eq "each container's verdict" \
  "web/migrate install -
web/root install -
web/user refused not-root
web/readonly refused read-only-root
nonroot/job refused not-root
bare/nothing-to-run refused no-original-command
bare/hooked install -
bare/debug refused ephemeral-container" \
  "$(jq -r '.containers[] | "\(.workload.name)/\(.container) \(.action) \(.refused[0].code // "-")"' "$w/report.json")"
expect_eq "the refusals say why" \
  "the pod sets runAsUser 1000: only root can install packages
readOnlyRootFilesystem is true: packages cannot be installed into the container's root
the pod sets runAsNonRoot: the container cannot run the install as root" \
  "$(jq -r '.containers[] | select(.container == "user" or .container == "readonly" or .container == "job") | .refused[0].message' "$w/report.json")"
expect_eq "the installed packages, exact versions from the repository" \
  "$(cut -f1,2 "$repo/packages.txt" | grep -E '^(liblzma5|libpcre2-8-0|perl-base)	' | tr '\t' ' ' | LC_ALL=C sort)" \
  "$(jq -r '.containers[0].packages[] | "\(.name) \(.version)"' "$w/report.json" | LC_ALL=C sort)"
expect_eq "repaired containers: every finding fixed, none remains" "0 0 0" \
  "$(jq -r '[.containers[] | select(.action == "install") | .remaining | length] | join(" ")' "$w/report.json")"
expect_eq "refused containers: their findings remain, with the reason" "yes" \
  "$(jq -r '[.containers[] | select(.container == "user") | .remaining[] | .reason == "the pod sets runAsUser 1000: only root can install packages"] | all and length > 0 | if . then "yes" else "no" end' "$w/report.json")"
expect_eq "the summary" '{"containers":8,"repaired":3,"refused":5,"errors":0,"nothing":0}' \
  "$(jq -c '.summary | {containers, repaired, refused, errors, nothing}' "$w/report.json")"
expect_eq "--dry-run writes nothing" "" "$(cmp "$w/app.yaml" "$w/app.before")"

# --- the diff, -o and --in-place ---
kfix --dry-run "$w/app.yaml"
expect_eq "dry run: exit 0 without --exit-code" "0" "$rc"
sed -n '/^--- /,/^[^-+@ \\]/p' <<<"$out" | sed '$d' >"$w/app.diff"
expect_contains "dry run: the text report follows the diff" "kmend fix: 8 containers: 3 repaired, 5 refused" "$out"
kfix -o "$w/app.fixed.yaml" "$w/app.yaml"
expect_eq "-o: exit 0" "0" "$rc"
cp "$w/app.yaml" "$w/patched.yaml"
patch -s "$w/patched.yaml" <"$w/app.diff"
expect_eq "--dry-run's diff, applied with patch, is what -o writes" "" "$(cmp "$w/patched.yaml" "$w/app.fixed.yaml")"
expect_eq "the repaired file: init containers, kmend's first" "kmend-download-1 migrate" \
  "$(yq "$w/app.fixed.yaml" '" ".join(c["name"] for c in d[0]["spec"]["template"]["spec"]["initContainers"])')"
expect_eq "the init container's own command is wrapped (entrypoint, always)" "['/bin/sh', '-c'] ['sh', '-c', 'echo migrating']" \
  "$(yq "$w/app.fixed.yaml" 'str(d[0]["spec"]["template"]["spec"]["initContainers"][1]["command"][:2]) + " " + str(d[0]["spec"]["template"]["spec"]["initContainers"][1]["command"][3:])')"
expect_eq "refused containers are untouched" "True" \
  "$(python3 -c 'import sys, yaml; a, b = (list(yaml.safe_load_all(open(p))) for p in sys.argv[1:3]); print(all(x == y for x, y in zip(a[0]["spec"]["template"]["spec"]["containers"][1:], b[0]["spec"]["template"]["spec"]["containers"][1:])) and a[1] == b[1] and a[2] == b[2])' "$w/app.fixed.yaml" "$w/app.yaml")"
run_kmend revert "$w/app.fixed.yaml"
expect_eq "revert(fix(x)) == x" "$(cat "$w/app.yaml")" "$out"
kfix -o "$w/app.fixed2.yaml" "$w/app.fixed.yaml"
expect_eq "fix(fix(x)) == fix(x)" "" "$(cmp "$w/app.fixed.yaml" "$w/app.fixed2.yaml")"

# Findings that differ: only kmend's parts are replaced.
kfix --severity high -o "$w/high.yaml" "$w/app.yaml"
expect_eq "--severity high: liblzma5 (medium) is left out" "libpcre2-8-0 perl-base" \
  "$(yq "$w/high.yaml" '" ".join(sorted(set(x.split("_")[0] for x in d[0]["spec"]["template"]["spec"]["initContainers"][0]["command"][2].split() if x.endswith(".deb"))))')"
kfix -o "$w/again.yaml" "$w/high.yaml"
expect_eq "fix of a file fixed with other findings: kmend's parts replaced, the same as fixing the original" "" \
  "$(cmp "$w/again.yaml" "$w/app.fixed.yaml")"

cp "$w/app.yaml" "$w/inplace.yaml"
kfix --in-place "$w/inplace.yaml"
expect_eq "--in-place: the file is the repaired one" "" "$(cmp "$w/inplace.yaml" "$w/app.fixed.yaml")"
expect_eq "--in-place: the original kept as .orig" "" "$(cmp "$w/inplace.yaml.orig" "$w/app.yaml")"
kfix --in-place "$w/inplace.yaml"
expect_eq "--in-place again: nothing changes, no second backup" "$(cat "$w/app.fixed.yaml") none" \
  "$(cat "$w/inplace.yaml") $(ls "$w"/inplace.yaml.orig.* 2>/dev/null || echo none)"

# --install-at poststart: the hook; a container with a hook of its own is refused.
kfix --install-at poststart --format json -o "$w/post.yaml" "$w/app.yaml"
expect_eq "poststart: hooked is refused, root gets the hook" "has-poststart ['/bin/sh', '-c']" \
  "$(jq -r '.containers[] | select(.container == "hooked") | .refused[0].code' <<<"$out") $(yq "$w/post.yaml" 'd[0]["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["postStart"]["exec"]["command"][:2]')"
expect_eq "poststart: the init container still gets the entrypoint" "entrypoint" \
  "$(jq -r '.containers[] | select(.container == "migrate") | .install_at' <<<"$out")"

# A JSON manifest stays JSON.
python3 -c 'import json, sys; print(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {"containers": [{"name": "c", "image": sys.argv[1], "command": ["sleep", "1"]}]}}, indent=2))' "$image" >"$w/pod.json"
kfix -o "$w/pod.fixed.json" "$w/pod.json"
expect_eq "a JSON manifest: the output is JSON, with the repair" "['kmend-download-1']" \
  "$(python3 -c 'import json, sys; print([c["name"] for c in json.load(open(sys.argv[1]))["spec"]["initContainers"]])' "$w/pod.fixed.json")"

# Several files take --in-place or --dry-run.
cp "$w/app.yaml" "$w/one.yaml"
cp "$w/pod.json" "$w/two.json"
kfix --in-place "$w/one.yaml" "$w/two.json"
expect_eq "several files --in-place" "0 same same" \
  "$rc $(cmp -s "$w/one.yaml" "$w/app.fixed.yaml" && echo same) $(cmp -s "$w/two.json" "$w/pod.fixed.json" && echo same)"

# --- a repository on this machine (file:///), as apt's file method reads one ---
cp -a "$repo/repo" "$w/filerepo"
cp -a "$repo/gnupg" "$w/gnupg"
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; GNUPGHOME="$w/gnupg" gpgconf --kill all 2>/dev/null; rm -rf "$w"' EXIT
dist="$w/filerepo/dists/bookworm-security"
ffix() { run_kmend fix -q --db "$w/vuln.db" --no-cache --allow-local-images --mirror "file://$w/filerepo" --mirror-key "$repo/key.gpg" "$@"; }
ffix -o "$w/file.yaml" "$w/app.yaml"
expect_eq "--mirror file:///...: the same repair as over HTTP, but for the URLs" "0 True" \
  "$rc $(python3 - "$w/file.yaml" "$w/app.fixed.yaml" "file://$w/filerepo" "http://127.0.0.1:$apt_port" <<'PY'
import json, sys, yaml
def load(p):
    docs = list(yaml.safe_load_all(open(p)))
    for d in docs:
        meta = ((d.get("spec") or {}).get("template") or d).get("metadata") or {}
        (meta.get("annotations") or {}).pop("kmend.dev/repair", None)
    return docs
print(json.dumps(load(sys.argv[1])).replace(sys.argv[3], sys.argv[4]) == json.dumps(load(sys.argv[2])))
PY
)"
# An index of architecture "all" that the Release lists, absent from the mirror: read only when
# the Release's Architectures name "all" (Debian's security archive does not, and its amd64
# index holds those packages).
mkdir -p "$dist/main/binary-all"
: >"$dist/main/binary-all/Packages"
# release ARCHITECTURES [VALID-UNTIL]: write and sign the Release of $dist.
release() {
  apt_repo_release "$dist" stable-security bookworm-security
  sed -i "s/^Architectures: .*/Architectures: $1/" "$dist/Release"
  [ -n "${2:-}" ] && sed -i "s/^Date: .*/Date: $(date -u -R -d '10 days ago')\nValid-Until: $2/" "$dist/Release"
  apt_repo_sign "$dist" "$w/gnupg"
}
release amd64
rm "$dist/main/binary-all/Packages"
ffix -o "$w/file2.yaml" "$w/app.yaml"
expect_eq "a Release whose Architectures do not list all: no binary-all index read" "0" "$rc"
: >"$dist/main/binary-all/Packages"
release "amd64 all"
rm "$dist/main/binary-all/Packages"
ffix -o "$w/file2.yaml" "$w/app.yaml"
expect_contains "a Release whose Architectures list all: its binary-all index is read (and missing here)" \
  "binary-all/Packages: the Release lists it, but the server answered HTTP 404" "$err"
# A frozen snapshot: past its Valid-Until, refused unless --no-check-valid-until says otherwise.
release amd64 "$(date -u -R -d '3 days ago')"
ffix -o "$w/file3.yaml" "$w/app.yaml"
expect_eq "a Release past its Valid-Until: refused (exit 2)" "2" "$rc"
expect_contains "a Release past its Valid-Until: said so" "InRelease: expired on" "$err"
ffix --no-check-valid-until -o "$w/file3.yaml" "$w/app.yaml"
expect_eq "--no-check-valid-until: accepted, the same repair" "0 same" "$rc $(cmp -s "$w/file3.yaml" "$w/file.yaml" && echo same)"
run_kmend fix --db "$w/vuln.db" --no-cache --allow-local-images --mirror "file://$w/filerepo" \
  --mirror-key "$repo/key.gpg" --no-check-valid-until -o "$w/file3.yaml" "$w/app.yaml"
expect_contains "--no-check-valid-until: warned" "an old copy of a repository cannot be told from a current one" "$err"

# --- usage ---
usage() {
  run_kmend fix "$@"
  expect_eq "usage: fix $*: exit 2" "2" "$rc"
}
usage
usage -o x --in-place "$w/app.yaml"
usage "$w/app.yaml" "$w/pod.json"
usage -o x "$w/app.yaml" "$w/pod.json"
usage --format json "$w/app.yaml"
usage --install-at nowhere "$w/app.yaml"
usage --prefer oldest "$w/app.yaml"
usage --dry-run -o x "$w/app.yaml"
run_kmend fix --db "$w/vuln.db" "$w/app.yaml"
expect_eq "a manifest naming local images, without --allow-local-images: exit 2, nothing written" "2 " "$rc $out"
expect_contains "and the error says so" "--allow-local-images" "$err"
echo "kind: Service" >"$w/none.yaml"
run_kmend fix --db "$w/vuln.db" "$w/none.yaml"
expect_eq "no workloads: exit 2" "2" "$rc"
expect_eq "the input is never changed" "" "$(cmp "$w/app.yaml" "$w/app.before")"
done_testing
