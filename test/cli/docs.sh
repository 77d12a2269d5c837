# Every example in the project's Markdown files (README.md, docs/, examples/, test/) runs and
# prints what the doc shows.
#
# The convention (one for every Markdown file of the project): a fenced block's info string
# says what the block is.
#   ```console            an example this test runs. Lines starting with "$ " are commands (a
#                         trailing "\" continues one on the next line), the lines after each
#                         its expected output, stdout and stderr together as a terminal shows
#                         them. "…" alone on a line stands for any number of lines, "…" inside
#                         a line for any text (times, digests, paths). Every command must exit
#                         0: show a failure as `cmd || echo "exit $?"`.
#   ```LANG run-by=PATH[,PATH]  a block that other tests run or check, because it needs root,
#                         the network or minutes (README.md's first commands, written without
#                         "$ " so that they can be copied, are ```sh run-by=...): each PATH must
#                         exist and name this Markdown file.
#   ```text, ```yaml, ```json, …  not an example: a synopsis, a diagram, a file's contents.
# An indented code block, a bare fence, and commands (```sh, bash, shell) that no test runs
# are errors.
#
# Commands run with bash from a sandbox that looks like the checkout (test/examples.bash):
# `kmend` and `build/src/kmend` are the kmend under test; each Markdown file starts with a
# clean store, and its examples run in order, so that a `db import` feeds a later `scan`.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/examples.bash"
command -v cmark >/dev/null || { not_ok "cmark is installed (tools/debian-packages)"; done_testing; }
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

cd "$KMEND_SOURCE" || exit 1

# The matcher itself: what "…" lets through, and what it does not.
# match_case DESCRIPTION SHOWN ACTUAL WANT: WANT is 0 (matches) or 1 (does not).
match_case() {
  printf '%b' "$2" >"$w/shown"
  printf '%b' "$3" >"$w/actual"
  python3 test/markdown.py match "$w/shown" "$w/actual" >/dev/null
  expect_eq "markdown.py match: $1" "$4" "$?"
}
match_case "the same text" 'a\nb\n' 'a\nb  \n\n' 0
match_case "a line '…' stands for lines, none too" 'a\n…\nz\n' 'a\nb\nc\nz\n' 0
match_case "a line '…' stands for no line" 'a\n…\nz\n' 'a\nz\n' 0
match_case "'…' in a line stands for text in that line only" 'Total: … (x)\n' 'Total: 16\n(x)\n' 1
match_case "a missing line" 'a\nb\nc\n' 'a\nc\n' 1
match_case "an extra line" 'a\nc\n' 'a\nb\nc\n' 1
match_case "an extra last line" 'a\n' 'a\nb\n' 1
match_case "regex characters are text" 'a.c (d)\n' 'abc (d)\n' 1
mapfile -t mds < <(find README.md docs examples test -name '*.md' | LC_ALL=C sort)
for md in "${mds[@]}"; do
  sandbox="$w/${md//\//_}"
  examples_sandbox "$sandbox"
  blocks=$(python3 test/markdown.py blocks "$md") || { not_ok "$md: cmark reads it"; continue; }
  while IFS= read -r block; do
    [ -n "$block" ] || continue
    where="$md:$(jq -r .line <<<"$block")"
    info=$(jq -r '.info // "(indented)"' <<<"$block")
    lang=${info%% *}
    runners=$(grep -o -E '(^| )run-by=[^ ]+' <<<"$info" | sed 's/.*run-by=//; s/,/ /g')
    if [ "$info" = "(indented)" ]; then
      not_ok "$where: an indented code block" \
        "fence it: \`\`\`console for an example that test/cli/docs.sh runs, \`\`\`text for a synopsis"
    elif [ -z "$info" ]; then
      not_ok "$where: a fence without an info string" \
        "say what it is: \`\`\`console (an example, run) or \`\`\`text, \`\`\`yaml, \`\`\`json (not run)"
    elif [ -n "$runners" ]; then
      for runner in $runners; do
        if [ -f "$runner" ] && grep -q -F "${md##*/}" "$runner"; then
          ok "$where: run by $runner"
        else
          not_ok "$where: run by $runner" "$runner must exist and name ${md##*/}"
        fi
      done
    elif [ "$info" = console ]; then
      [ "$(jq '.steps | length' <<<"$block")" -gt 0 ] ||
        not_ok "$where: a console block without a '\$ ' command"
      while IFS= read -r step; do
        examples_check "$md:$(jq -r .line <<<"$step"): \$ $(jq -r .command <<<"$step")" \
          "$(jq -r .command <<<"$step")" "$(jq -r .expected <<<"$step")" "$sandbox"
      done < <(jq -c '.steps[]' <<<"$block")
    else
      case $lang in
        console | sh | bash | shell)
          not_ok "$where: '$info' is not run by any test" \
            "write it as a \`\`\`console block ('\$ ' before each command, its output after it), or add run-by=TEST" ;;
      esac
    fi
  done <<<"$blocks"
done
done_testing
