# Shared by bench/inventory and bench/scan: build optimised, and time commands. Sourced.

# release_build: build build-release at -O2, as Debian builds its packages (gcc -O3 vectorises
# the deb comparator's short byte loops and loses about 10% there, while apk gains: see
# docs/benchmarks.md); sets $build, $kmend and $pin.
release_build() {
  build=build-release
  [ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release -Doptimization=2 >/dev/null
  meson compile -C "$build" >/dev/null
  kmend="$build/src/kmend"
  pin="taskset -c 0"
  command -v taskset >/dev/null || pin=""
}

# best CMD...: the least wall time of 5 runs (nanosecond clock), in seconds, and that run's
# peak RSS in KB (GNU time). $before, when set, is run (eval) before each run, untimed.
# Needs $bench_tmp, a scratch directory.
best() {
  local t m bt=999 bm=0 start end
  for _ in 1 2 3 4 5; do
    [ -n "${before:-}" ] && eval "$before"
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$bench_tmp/time" $pin "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    read -r m <"$bench_tmp/time"
    if awk -v a="$t" -v b="$bt" 'BEGIN { exit !(a < b) }'; then bt=$t bm=$m; fi
  done
  echo "$bt $bm"
}
