# The version fuzz targets: built with clang's libFuzzer (ASan + UBSan), they replay the
# seed corpus in fuzz/corpus/ and then run a bounded number of new inputs, reproducibly.
. "$KMEND_SOURCE/test/lib.sh"
fuzz_build="$KMEND_SOURCE/build-fuzz"
runs=${KMEND_FUZZ_RUNS:-20000}

if ! command -v clang >/dev/null; then
  not_ok "clang is installed to build the fuzz targets" "apt-get install clang"
  done_testing
fi
if [ ! -f "$fuzz_build/build.ninja" ]; then
  CC=clang meson setup "$fuzz_build" "$KMEND_SOURCE" -Dfuzz=true -Db_lundef=false >/dev/null 2>&1 ||
    { not_ok "meson setup build-fuzz" "CC=clang meson setup build-fuzz -Dfuzz=true"; done_testing; }
fi
if ! meson compile -C "$fuzz_build" >"$fuzz_build/compile.log" 2>&1; then
  not_ok "the fuzz targets build" "$(tail -5 "$fuzz_build/compile.log")"
  done_testing
fi
for scheme in deb rpm apk; do
  target="$fuzz_build/fuzz/fuzz_version_$scheme"
  corpus="$KMEND_SOURCE/fuzz/corpus/version_$scheme"
  scratch=$(mktemp -d)
  log=$(mktemp)
  # New inputs go to a scratch directory; the committed corpus is only read.
  if "$target" -seed=1 -runs="$runs" -max_len=256 "$scratch" "$corpus" >"$log" 2>&1; then
    ok "fuzz_version_$scheme: seed corpus and $runs runs, no crash"
  else
    not_ok "fuzz_version_$scheme crashed" "$(grep -m5 -E 'ERROR|SUMMARY|Test unit' "$log")"
  fi
  rm -rf "$scratch" "$log"
done
done_testing
