# The deb comparator agrees with dpkg --compare-versions on thousands of version pairs taken,
# at run time, from the Debian package indexes that apt has on this machine.
. "$KMEND_SOURCE/test/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name<TAB>version of every package apt knows (all suites: bookworm, -updates, -security),
# or at least of every installed package when apt has no lists.
"$KMEND_SOURCE/tools/apt-package-versions" >"$work/avail"
versions=$(cut -f2 "$work/avail" | sort -u | wc -l)
if [ "$versions" -lt 1000 ]; then
  not_ok "enough real versions to compare" "only $versions versions: run 'apt-get update' first"
  done_testing
fi

{
  # Every two versions of the same package (a stable release against its updates).
  awk -F'\t' '$1 == prev { print pv "\t" $2 } { prev = $1; pv = $2 }' "$work/avail" | head -n 2000
  # Neighbours in byte order: versions that share long prefixes.
  cut -f2 "$work/avail" | sort -u | awk 'NR > 1 { print prev "\t" $0 } { prev = $0 }' |
    awk 'NR % 16 == 0'
  # Random pairs, reproducible.
  cut -f2 "$work/avail" | sort -u | shuf -n 1000 --random-source=<(yes) >"$work/a"
  cut -f2 "$work/avail" | sort -u | shuf -n 1000 --random-source=<(yes 7) >"$work/b"
  paste "$work/a" "$work/b"
} | head -n 6000 >"$work/pairs"
pairs=$(wc -l <"$work/pairs")

"$KMEND" vercmp deb --batch <"$work/pairs" >"$work/kmend"
expect_eq "kmend answers every pair without error" "0" "$?"

# dpkg answers one pair per call: lt, then eq, decide.
while IFS=$'\t' read -r a b; do
  if dpkg --compare-versions "$a" lt "$b"; then echo '<'
  elif dpkg --compare-versions "$a" eq "$b"; then echo '='
  else echo '>'
  fi
done <"$work/pairs" >"$work/dpkg"

mismatches=$(paste "$work/pairs" "$work/kmend" "$work/dpkg" | awk -F'\t' '$3 != $4' | head -5)
if [ -z "$mismatches" ] && [ "$pairs" -ge 2000 ]; then
  ok "kmend and dpkg agree on $pairs pairs from $versions versions"
else
  not_ok "kmend and dpkg agree on $pairs pairs (at least 2000)" "a b kmend dpkg:" "$mismatches"
fi
expect_eq "some pairs are ordered each way" "<>" "$(sort -u "$work/dpkg" | grep -v = | tr -d '\n')"
done_testing
