# kmend harden's command line: usage errors name what is wrong, --output writes the plan
# atomically, --format json and table agree, and --help lists every option.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
harden_scratch
db="$w/vuln.db"
"$KMEND" db import --db "$db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null
img="oci:$KMEND_SOURCE/examples/images/harden:12.4"

usage() { # DESCRIPTION EXPECTED-MESSAGE ARGS...
  local what=$1 msg=$2
  shift 2
  run_kmend harden --db "$db" "$@"
  expect_eq "$what: exit 2" "2" "$rc"
  expect_contains "$what: said" "$msg" "$err"
}
usage "no image" "expected the image to harden"
usage "two images" "$img" "$img" "$img"
usage "an unknown target" "unknown target 'low'; use critical, high, medium or fixable" --target low "$img"
usage "an unknown strategy" "unknown strategy 'nope'" --strategy rebuild,nope "$img"
usage "an unknown format" "unknown format 'sarif'; use table or json" -f sarif "$img"
usage "--to without --build or the patch strategy" "--to names what --build or the patch strategy makes" --strategy rebuild --to x "$img"
usage "a mirror without a key" "--mirror needs --mirror-key FILE" --mirror http://127.0.0.1:1/ "$img"
usage "a key without a mirror" "--mirror-key without --mirror" --mirror-key /dev/null "$img"
usage "a Dockerfile that is not there" "$w/none" --dockerfile "$w/none" "$img"
printf 'RUN echo no base\n' >"$w/Dockerfile"
usage "a Dockerfile without FROM" "no FROM instruction" --strategy rebuild --dockerfile "$w/Dockerfile" "$img"

run_kmend harden --help
expect_eq "--help: exit 0" "0" "$rc"
for o in --target --candidates --base --base-candidates --dockerfile --strategy --other-distro \
  --mirror --mirror-key --allow-unsigned --build --to --format --output --db --platform; do
  expect_contains "--help lists $o" "$o" "$out"
done

run_kmend harden --db "$db" --cache-dir "$w/cache" -f json -o "$w/plan.json" "$img"
expect_eq "--output: exit 0, nothing on standard output" "0 " "$rc $out"
expect_eq "--output: the plan, as JSON" "0 newer-image" "$(jq -r '"\(.recommended) \(.plan[0].strategy)"' "$w/plan.json")"
expect_eq "--output: no temporary file left" "plan.json" "$(ls "$w" | grep plan)"
run_kmend harden --db "$db" --cache-dir "$w/cache" "$img"
expect_contains "table and JSON agree on the recommendation" "Recommended: step 1, newer-image" "$out"
expect_contains "table: the step's image and digest" "image: oci:$KMEND_SOURCE/examples/images/harden:12.5 ($(jq -r '.plan[0].digest' "$w/plan.json"))" "$out"
done_testing
