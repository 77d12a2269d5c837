# Every example in the project's Markdown files (README.md, docs/, examples/, test/) runs and
# prints what the doc shows.
#
# The convention (one for every Markdown file of the project):
#   ```console            an example this test runs. Lines starting with "$ " are commands (a
#                         trailing "\" continues one on the next line), the lines after each
#                         its expected output, stdout and stderr together as a terminal shows
#                         them. "…" alone on a line stands for any number of lines, "…" inside
#                         a line for any text (times, digests, paths). Every command must exit
#                         0: show a failure as `cmd || echo "exit $?"`.
#   ```console run-by=PATH  an example that another test runs (it needs root, the network or
#                         minutes): PATH must exist and name this Markdown file.
#   ```text, ```yaml, ```json, …  not an example: a synopsis, a diagram, a file's contents.
# An indented code block, a bare fence and ```sh (or bash, shell) are errors: say what it is.
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
mapfile -t mds < <(find README.md docs examples test -name '*.md' | LC_ALL=C sort)
for md in "${mds[@]}"; do
  sandbox="$w/${md//\//_}"
  examples_sandbox "$sandbox"
  blocks=$(python3 test/markdown.py blocks "$md") || { not_ok "$md: cmark reads it"; continue; }
  while IFS= read -r block; do
    [ -n "$block" ] || continue
    where="$md:$(jq -r .line <<<"$block")"
    info=$(jq -r '.info // "(indented)"' <<<"$block")
    case $info in
      "(indented)")
        not_ok "$where: an indented code block" \
          "fence it: \`\`\`console for an example that test/cli/docs.sh runs, \`\`\`text for a synopsis" ;;
      "")
        not_ok "$where: a fence without an info string" \
          "say what it is: \`\`\`console (an example, run) or \`\`\`text, \`\`\`yaml, \`\`\`json (not run)" ;;
      sh | bash | shell | sh\ * | bash\ * | shell\ *)
        not_ok "$where: commands in a \`\`\`$info block are not run" \
          "write them as a \`\`\`console block: '\$ ' before each command, its output after it" ;;
      "console run-by="*)
        runner=${info#console run-by=}
        if [ -f "$runner" ] && grep -q -F "${md##*/}" "$runner"; then
          ok "$where: run by $runner"
        else
          not_ok "$where: run by $runner" "$runner must exist and name ${md##*/}"
        fi ;;
      console)
        if [ "$(jq '.steps | length' <<<"$block")" -eq 0 ]; then
          not_ok "$where: a console block without a '\$ ' command"
        fi
        while IFS= read -r step; do
          examples_check "$md:$(jq -r .line <<<"$step"): \$ $(jq -r .command <<<"$step")" \
            "$(jq -r .command <<<"$step")" "$(jq -r .expected <<<"$step")" "$sandbox"
        done < <(jq -c '.steps[]' <<<"$block") ;;
      console*)
        not_ok "$where: unknown console block '$info'" "\`\`\`console, or \`\`\`console run-by=PATH" ;;
    esac
  done <<<"$blocks"
done
done_testing
