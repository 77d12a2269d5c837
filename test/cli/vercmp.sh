# kmend vercmp: the one-pair and --batch forms, their output and exit codes.
. "$KMEND_SOURCE/test/lib.sh"

run_kmend vercmp deb 1.0 1.0-0
expect_eq "deb 1.0 = 1.0-0 (a missing revision sorts as 0)" "0:=" "$rc:$out"
run_kmend vercmp deb 1.0 1.0-1
expect_eq "deb 1.0 < 1.0-1" "0:<" "$rc:$out"
run_kmend vercmp deb 2:1.0 1:9.9
expect_eq "deb epoch decides" "0:>" "$rc:$out"
run_kmend vercmp rpm 1.0~rc1-1 1.0-1
expect_eq "rpm tilde sorts first" "0:<" "$rc:$out"
run_kmend vercmp apk 1.2.3_rc1-r0 1.2.3-r0
expect_eq "apk _rc before release" "0:<" "$rc:$out"

run_kmend vercmp deb "1.0 beta" 1.0
expect_eq "invalid version exits 2 with nothing on stdout" "2:" "$rc:$out"
expect_contains "the error names the version and the position" "invalid deb version '1.0 beta'" "$err"
expect_contains "the error says what is allowed" "letters, digits and" "$err"

run_kmend vercmp -- deb -1 1
expect_eq "-- lets a version start with '-' (and it is then invalid)" "2" "$rc"

run_kmend vercmp pacman 1 2
expect_eq "unknown scheme exits 2" "2" "$rc"
expect_contains "unknown scheme names the choices" "use deb, rpm or apk" "$err"
run_kmend vercmp deb 1
expect_eq "one version is a usage error" "2" "$rc"
run_kmend vercmp deb 1 2 3
expect_eq "three versions is a usage error" "2" "$rc"
run_kmend vercmp deb --frobnicate 1 2
expect_eq "unknown option is a usage error" "2" "$rc"
expect_contains "unknown option is named" "--frobnicate" "$err"
run_kmend vercmp --help
expect_eq "--help exits 0" "0" "$rc"
expect_contains "--help lists the schemes" "apk   Alpine" "$out"
run_kmend --version
expect_contains "--version" "kmend 0." "$out"
run_kmend frobnicate
expect_eq "unknown command exits 2" "2" "$rc"
run_kmend
expect_eq "no command exits 2" "2" "$rc"

# --batch answers every line in order, errors in place, then exits 2 if any line failed.
batch=$(printf '1.0\t2.0\n2.0\t1.0\n1.0\t1.0\nnotab\n1.0 b\t1\n\t1\n3\t2\r\n' |
  "$KMEND" vercmp deb --batch)
rc=$?
expect_eq "--batch exit code with bad lines" "2" "$rc"
expect_eq "--batch line count" "7" "$(printf '%s\n' "$batch" | wc -l)"
expect_eq "--batch results in order" "<|>|=" "$(printf '%s\n' "$batch" | head -3 | paste -sd'|')"
expect_contains "--batch names the bad line" "error: line 5: invalid deb version '1.0 b'" "$batch"
expect_contains "--batch reports an empty version" "error: line 6: invalid deb version '': the version is empty" "$batch"
expect_eq "--batch accepts CRLF" ">" "$(printf '%s\n' "$batch" | tail -1)"

printf '1\t2\n' | "$KMEND" vercmp rpm --batch >/dev/null
expect_eq "--batch with only good lines exits 0" "0" "$?"

# A line over the limit is answered with an error and the next line still works.
long=$( (head -c 70000 /dev/zero | tr '\0' '1'; printf '\t1\n1\t2\n') | "$KMEND" vercmp apk --batch)
expect_eq "--batch over-long line then a good one" "error: line 1 is longer than 65536 bytes|<" "$(printf '%s\n' "$long" | paste -sd'|')"

# Many pairs in one process.
n=$(yes "$(printf '1.2.3-1\t1.2.3-2')" | head -n 100000 | "$KMEND" vercmp deb --batch | grep -c '^<$')
expect_eq "--batch 100000 lines" "100000" "$n"

printf '1\t2\n' | "$KMEND" vercmp deb --batch 1 2 >/dev/null 2>&1
expect_eq "--batch with version arguments is a usage error" "2" "$?"
done_testing
