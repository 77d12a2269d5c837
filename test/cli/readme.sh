# The README's first lines stay true: the example commands run and show the bundled image.
. "$KMEND_SOURCE/test/lib.sh"
line=$(sed -n 3p "$KMEND_SOURCE/README.md")
expect_contains "README line 3 sets up and runs kmend" "tools/setup && build/src/kmend " "$line"
expect_eq "README line 4 runs the tests" "    test/run" "$(sed -n 4p "$KMEND_SOURCE/README.md")"
w=$(mktemp -d)
export XDG_CACHE_HOME="$w/cache"
cd "$KMEND_SOURCE" || exit 1
# Every kmend command of the line, in order, with the build's kmend.
commands=$(sed 's/ && /\n/g' <<<"${line#    }" | grep '^build/src/kmend ' | sed 's|^build/src/kmend ||')
expect_eq "the line runs two kmend commands" "2" "$(wc -l <<<"$commands")"
while IFS= read -r args; do
  # shellcheck disable=SC2086
  run_kmend $args
  expect_eq "README: kmend $args exits 0" "0" "$rc"
done <<<"$commands"
expect_contains "the scan names the OS" "(Debian GNU/Linux 12 (bookworm))" "$out"
expect_contains "the scan finds the image's real vulnerabilities" "Total: 16 (critical: 0, high: 15, medium: 1" "$out"
run_kmend inventory --no-cache oci:examples/images/ubuntu-18.04:18.04
expect_contains "the Ubuntu example lists its packages" "Packages: 90" "$out"
rm -rf "$w"
# The bundled image is what examples/make-images.sh makes, byte for byte.
tmp=$(mktemp -d)
cp -r "$KMEND_SOURCE/examples" "$KMEND_SOURCE/test" "$tmp/"
(cd "$tmp" && bash examples/make-images.sh >/dev/null)
expect_eq "examples/images is reproducible" "" "$(diff -r "$tmp/examples/images" "$KMEND_SOURCE/examples/images")"
rm -rf "$tmp"
done_testing
