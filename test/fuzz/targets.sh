# Every fuzz target: built with clang's libFuzzer (ASan + UBSan), each replays its seed corpus
# in fuzz/corpus/ and then runs a bounded number of new inputs, reproducibly.
# docs/fuzzing.md shows these commands, and lists every target.
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
for target in "$fuzz_build"/fuzz/fuzz_*; do
  [ -f "$target" ] && [ -x "$target" ] || continue
  name=${target##*/fuzz_}
  corpus="$KMEND_SOURCE/fuzz/corpus/$name"
  [ -d "$corpus" ] || { not_ok "fuzz_$name has a seed corpus" "add fuzz/corpus/$name/"; continue; }
  grep -q -F "\`fuzz_$name\`" "$KMEND_SOURCE/docs/fuzzing.md" ||
    not_ok "docs/fuzzing.md lists fuzz_$name" "add a row to its table: the input, and what it checks"
  scratch=$(mktemp -d)
  log=$(mktemp)
  # New inputs go to a scratch directory; the committed corpus is only read.
  if "$target" -seed=1 -runs="$runs" "$scratch" "$corpus" >"$log" 2>&1; then
    ok "fuzz_$name: seed corpus and $runs runs, no crash"
  else
    not_ok "fuzz_$name crashed" "$(grep -m5 -E 'ERROR|SUMMARY|Test unit' "$log")"
  fi
  rm -rf "$scratch" "$log"
done
done_testing
