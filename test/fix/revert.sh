# kmend revert on the command line: stdout, -o, --in-place with a backup; hand edits refused;
# hostile manifests (huge scalars, deep nesting, billion laughs, bad UTF-8, not a mapping...)
# give a clear error naming file, line and column, and the file is never touched.
. "$KMEND_SOURCE/test/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fixer="$KMEND_BUILD/test/test_fix"
corpus="$KMEND_SOURCE/test/fix/corpus"

# fixed CASE: kmend's parts spliced in by the corpus driver (the edit spec beside the case).
fixed() { "$fixer" --print "$corpus/$1"; }

for case in deployment-basic.yaml json-pretty.json crlf.yaml helm-rendered.yaml; do
  fixed "$case" >"$w/$case"
  run_kmend revert "$w/$case"
  expect_eq "$case: revert to stdout gives the original back" "0" "$rc"
  # Byte for byte: compare files, not shell strings (CRLF, final newline).
  "$KMEND" revert "$w/$case" >"$w/stdout" 2>/dev/null
  cmp -s "$w/stdout" "$corpus/$case" && ok "$case: stdout is the original, byte for byte" ||
    not_ok "$case: stdout is the original, byte for byte"
  run_kmend revert -o "$w/out-$case" "$w/$case"
  cmp -s "$w/out-$case" "$corpus/$case" && ok "$case: -o OUT is the original" || not_ok "$case: -o OUT is the original" "$err"
done

# --in-place: the original comes back, the fixed file is kept as FILE.orig.
cp "$w/deployment-basic.yaml" "$w/inplace.yaml"
chmod 640 "$w/inplace.yaml"
run_kmend revert --in-place "$w/inplace.yaml"
expect_eq "--in-place: exit 0" "0" "$rc"
cmp -s "$w/inplace.yaml" "$corpus/deployment-basic.yaml" && ok "--in-place: the file is the original again" || not_ok "--in-place: the file is the original again"
cmp -s "$w/inplace.yaml.orig" "$w/deployment-basic.yaml" && ok "--in-place: the backup holds what was there" || not_ok "--in-place: the backup holds what was there"
expect_contains "--in-place: says where the backup is" "kept as $w/inplace.yaml.orig" "$err"
expect_eq "--in-place: the file keeps its mode" "640" "$(stat -c %a "$w/inplace.yaml")"
cp "$w/deployment-basic.yaml" "$w/inplace.yaml"
run_kmend revert --in-place "$w/inplace.yaml"
[ -f "$w/inplace.yaml.orig.1" ] && cmp -s "$w/inplace.yaml.orig" "$w/deployment-basic.yaml" &&
  ok "--in-place again: a new backup name, the old backup untouched" ||
  not_ok "--in-place again: a new backup name, the old backup untouched" "$(ls "$w")"
run_kmend revert --in-place "$w/inplace.yaml"
expect_eq "nothing to revert: exit 0" "0" "$rc"
expect_contains "nothing to revert: said" "nothing to revert" "$err"
[ ! -e "$w/inplace.yaml.orig.2" ] && ok "nothing to revert: no backup made" || not_ok "nothing to revert: no backup made"

run_kmend revert -o "$w/inplace.yaml" "$w/inplace.yaml"
expect_eq "-o onto the input: exit 2" "2" "$rc"
expect_contains "-o onto the input: refused" "is the input file" "$err"
ln -s deployment-basic.yaml "$w/link.yaml"
run_kmend revert --in-place "$w/link.yaml"
expect_eq "--in-place on a symbolic link: exit 2" "2" "$rc"
[ -L "$w/link.yaml" ] && ok "--in-place on a symbolic link: the link stays" || not_ok "--in-place on a symbolic link: the link stays"
run_kmend revert -o x --in-place "$w/inplace.yaml"
expect_eq "-o with --in-place: usage error" "2" "$rc"

# A hand edit inside kmend's parts: refused, with where; the file is untouched.
sed 's|mountPath: "/kmend"|mountPath: "/elsewhere"|' "$w/deployment-basic.yaml" >"$w/edited.yaml"
sum=$(sha256sum <"$w/edited.yaml")
run_kmend revert --in-place "$w/edited.yaml"
expect_eq "hand-edited: exit 2" "2" "$rc"
expect_contains "hand-edited: names the part and the line" "$w/edited.yaml:" "$err"
expect_contains "hand-edited: says why" "was edited by hand since kmend fix wrote it; revert refuses to guess" "$err"
expect_eq "hand-edited: the file is untouched" "$sum" "$(sha256sum <"$w/edited.yaml")"

# Hostile manifests. Each, for revert and for fix: exit 2, "FILE:LINE:COLUMN: reason", the
# file untouched, nothing left beside it.
mkdir "$w/h"
run_kmend db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"
python3 - "$w/h" <<'PY'
import sys
d = sys.argv[1]
def put(name, data):
    open(f"{d}/{name}", "wb").write(data if isinstance(data, bytes) else data.encode())
put("huge-scalar.yaml", "kind: Pod\nmetadata:\n  name: " + "x" * (10 * 1024 * 1024) + "\n")
put("deep.yaml", "kind: Pod\nspec: " + "[" * 10000 + "]" * 10000 + "\n")
put("deep-block.yaml", "kind: Pod\nspec:\n  " + "- " * 10000 + "x\n")
laughs = ["kind: Pod", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i in range(1, 10):
    laughs.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
put("laughs.yaml", "\n".join(laughs) + "\n")
put("bad-utf8.yaml", b"kind: Pod\nmetadata:\n  name: caf\xc3\x28\n")
put("utf16.yaml", "kind: Pod\n".encode("utf-16"))
put("scalar-doc.yaml", "just a sentence, not an object\n")
put("list-doc.yaml", "apiVersion: v1\nkind: Pod\n---\n- a\n- b\n")
put("truncated.yaml", 'kind: Pod\nmetadata:\n  name: "unterminated\n')
put("duplicate-key.yaml", "kind: Pod\nspec:\n  containers: []\n  containers: []\n")
put("nul.yaml", b"kind: Pod\nmetadata: {name: a\x00b}\n")
put("undefined-alias.yaml", "kind: Pod\nspec: *nowhere\n")
PY
for f in "$w"/h/*.yaml; do
  name=$(basename "$f" .yaml)
  sum=$(sha256sum <"$f")
  run_kmend revert --in-place "$f"
  expect_eq "hostile $name: exit 2" "2" "$rc"
  case "$err" in
    "kmend revert: $f:"[0-9]*:[0-9]*": "*) ok "hostile $name: the error names file, line and column" ;;
    *) not_ok "hostile $name: the error names file, line and column" "${err:0:300}" ;;
  esac
  expect_eq "hostile $name: the file is untouched" "$sum" "$(sha256sum <"$f")"
  # kmend fix reads manifests with the same reader: the same refusal, nothing written.
  run_kmend fix --db "$w/vuln.db" --in-place "$f"
  expect_eq "hostile $name: fix exits 2" "2" "$rc"
  case "$err" in
    "kmend fix: $f:"[0-9]*:[0-9]*": "*) ok "hostile $name: fix's error names file, line and column" ;;
    *) not_ok "hostile $name: fix's error names file, line and column" "${err:0:300}" ;;
  esac
  expect_eq "hostile $name: fix leaves the file untouched" "$sum" "$(sha256sum <"$f")"
done
expect_eq "hostile: nothing left beside the files" "$(ls "$w/h" | sort)" "$(cd "$w/h" && ls *.yaml | sort)"
run_kmend revert "$w/h/laughs.yaml"
expect_contains "billion laughs: the budget is named" "aliases expand to more than" "$err"
run_kmend revert "$w/h/deep.yaml"
expect_contains "10,000 levels: the limit is named" "nesting deeper than 128 levels" "$err"
run_kmend revert "$w/h/huge-scalar.yaml"
expect_contains "10 MB scalar: the limit is named" "a scalar of 10485760 bytes, over the limit" "$err"
run_kmend revert "$w/h/bad-utf8.yaml"
expect_contains "invalid UTF-8: said so" "not valid UTF-8" "$err"
run_kmend revert "$w/h/list-doc.yaml"
expect_contains "a document that is not a mapping: said so" "document 2 is not a mapping" "$err"
done_testing
