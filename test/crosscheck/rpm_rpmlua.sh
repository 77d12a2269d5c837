# The rpm comparator agrees with rpm's own (rpm 4.18's Lua rpm.vercmp, which parses EVRs
# with rpmverParse and orders them with rpmverCmp) on thousands of pairs generated at run
# time from the packages of real rpm databases (rpm-package-evrs.tsv, see PROVENANCE.md).
. "$KMEND_SOURCE/test/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
evrs="$KMEND_SOURCE/test/crosscheck/rpm-package-evrs.tsv"

if ! command -v rpm >/dev/null; then
  not_ok "rpm is installed" "apt-get install rpm"
  done_testing
fi
grep -v '^#' "$evrs" | sort -u >"$work/avail"
{
  # Every two builds of the same package across CentOS 5-8, SLE, Fedora, Rocky, UBI, Mariner.
  awk -F'\t' '$1 == prev { print pv "\t" $2 } { prev = $1; pv = $2 }' "$work/avail"
  # Neighbours in byte order, and random pairs, reproducible.
  cut -f2 "$work/avail" | sort -u | awk 'NR > 1 { print prev "\t" $0 } { prev = $0 }'
  cut -f2 "$work/avail" | shuf -n 2000 --random-source=<(yes) >"$work/a"
  cut -f2 "$work/avail" | shuf -n 2000 --random-source=<(yes 7) >"$work/b"
  paste "$work/a" "$work/b"
} >"$work/pairs"
pairs=$(wc -l <"$work/pairs")

"$KMEND" vercmp rpm --batch <"$work/pairs" >"$work/kmend"
expect_eq "kmend answers every pair without error" "0" "$?"

rpm --eval "%{lua:
  local out = io.open('$work/rpm', 'w')
  local sym = { [-1] = '<', [0] = '=', [1] = '>' }
  for line in io.lines('$work/pairs') do
    local a, b = line:match('^([^\t]*)\t(.*)$')
    out:write(sym[rpm.vercmp(a, b)], '\n')
  end
  out:close()
}" >/dev/null
expect_eq "rpm answers every pair" "$pairs" "$(wc -l <"$work/rpm")"

mismatches=$(paste "$work/pairs" "$work/kmend" "$work/rpm" | awk -F'\t' '$3 != $4' | head -5)
if [ -z "$mismatches" ] && [ "$pairs" -ge 3000 ]; then
  ok "kmend and rpm agree on $pairs pairs"
else
  not_ok "kmend and rpm agree on $pairs pairs (at least 3000)" "a b kmend rpm:" "$mismatches"
fi
expect_eq "some pairs are ordered each way" "<>" "$(sort -u "$work/rpm" | grep -v = | tr -d '\n')"
done_testing
