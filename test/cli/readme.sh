# The README's first lines stay true: the example command runs and shows the bundled image.
. "$KMEND_SOURCE/test/lib.sh"
line=$(sed -n 3p "$KMEND_SOURCE/README.md")
expect_contains "README line 3 sets up and runs kmend" "tools/setup && build/src/kmend " "$line"
expect_eq "README line 4 runs the tests" "    test/run" "$(sed -n 4p "$KMEND_SOURCE/README.md")"
args=${line#*build/src/kmend }
cd "$KMEND_SOURCE" || exit 1
# shellcheck disable=SC2086
run_kmend $args --no-cache
expect_eq "the README's example exits 0" "0" "$rc"
expect_contains "it names the OS" "OS:       Ubuntu 18.04.1 LTS" "$out"
expect_contains "it lists the packages" "Packages: 90" "$out"
# The bundled image is what examples/make-images.sh makes, byte for byte.
tmp=$(mktemp -d)
cp -r "$KMEND_SOURCE/examples" "$KMEND_SOURCE/test" "$tmp/"
(cd "$tmp" && bash examples/make-images.sh >/dev/null)
expect_eq "examples/images is reproducible" "" "$(diff -r "$tmp/examples/images" "$KMEND_SOURCE/examples/images")"
rm -rf "$tmp"
done_testing
