# The README's first command, exactly as README.md writes it, on a fresh Debian 12 minbase: a
# podman container of the test image (debootstrap --variant=minbase bookworm, nothing added),
# host network so that apt reaches the mirror, the project's files copied in without any
# build directory. It must exit 0 and print what the README shows. This is the test that
# catches a package missing from tools/debian-packages: the machine CI runs on has them all.
#
# apt's downloaded .debs are kept under $KMEND_TEST_IMAGES/fresh-apt-archives (bind-mounted as
# the container's /var/cache/apt/archives), so that a rerun does not download them again; the
# first run works from nothing.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/podman.bash"
readme="$KMEND_SOURCE/README.md"
w=$(mktemp -d)
name="kmend-fresh-$$"
trap 'podman rm -f -i "$name" >/dev/null 2>&1; rm -rf "$w"' EXIT

# README.md's first command (the first line of its commands block that this test runs) and the
# output it shows for it (its text block that this test checks).
blocks=$(python3 "$KMEND_SOURCE/test/markdown.py" blocks "$readme")
commands=$(jq -c 'select(.info | test("^sh run-by=(.*,)?test/fresh/readme.sh(,|$)"))' <<<"$blocks" | head -n 1)
command=$(jq -r '.text | split("\n")[0]' <<<"$commands")
[ -n "$command" ] || { not_ok "README.md has a sh block run by test/fresh/readme.sh"; done_testing; }
jq -r 'select(.info | test("^text run-by=(.*,)?test/fresh/readme.sh(,|$)")) | .text' <<<"$blocks" >"$w/expected"
[ -s "$w/expected" ] || { not_ok "README.md shows the output, in a text block run-by=test/fresh/readme.sh"; done_testing; }
ok "README.md line $(jq -r .line <<<"$commands"): $command"

# What a user who clones the project has: the files git knows, no build directory.
(cd "$KMEND_SOURCE" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf "$w/project.tar") || { not_ok "pack the project's files with git ls-files"; done_testing; }
case $(tar -tf "$w/project.tar") in
  *build/*) not_ok "the copied project holds no build directory" ;;
  *) ok "the copied project holds no build directory" ;;
esac

podman_setup
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
podman_load_debian12 "$img"
archives="$KMEND_TEST_IMAGES/fresh-apt-archives"
mkdir -p "$archives/partial"

# The command runs as the README says, from the project's top directory, as root (a fresh
# container has no sudo); the container is killed after 9 minutes. Its standard error joins
# its standard output inside the container (2>&1 there): podman carries the two as separate
# streams, so outside they would interleave in an order of their own, unlike a terminal.
start=$(date +%s)
podman run --rm -i --name "$name" --network host --timeout 540 \
  -v "$archives:/var/cache/apt/archives" "$debian12_podman_ref" \
  bash -c 'mkdir /root/kmend && cd /root/kmend && tar -xf - && exec bash -c "$1" 2>&1' fresh "$command" \
  <"$w/project.tar" >"$w/out" 2>&1
rc=$?
echo "# the README's first command took $(($(date +%s) - start)) s in the container"
if [ "$rc" -eq 0 ]; then
  ok "the README's first command exits 0 on a fresh Debian 12 minbase"
else
  mapfile -t last < <(tail -n 30 "$w/out")
  not_ok "the README's first command exits 0 on a fresh Debian 12 minbase" "exit $rc; its last lines:" "${last[@]}"
fi
if python3 "$KMEND_SOURCE/test/markdown.py" match "$w/expected" "$w/out" >"$w/diff" 2>&1; then
  ok "it prints what README.md shows"
else
  mapfile -t diff <"$w/diff"
  not_ok "it prints what README.md shows" "${diff[@]}"
fi
done_testing
