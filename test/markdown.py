#!/usr/bin/env python3
"""The runnable examples of kmend's Markdown files (the convention is in test/cli/docs.sh).

  markdown.py blocks FILE...          every code block, as CommonMark reads it (cmark), one
                                      JSON object a line: file, line, info (null for an
                                      indented block), text, and for a console block its
                                      steps: [{line, command, expected}]
  markdown.py match EXPECTED ACTUAL   exit 0 when the output in file ACTUAL is what file
                                      EXPECTED shows; else exit 1 with the first difference

In EXPECTED a line that is only "…" stands for any number of lines (none too), and "…"
inside a line for any text on that line. Trailing spaces and trailing empty lines do not count.
"""
import difflib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ELLIPSIS = "\u2026"
CM = "{http://commonmark.org/xml/1.0}"


def code_blocks(path):
    # cmark, not a regex: whether an indented line is code or a list item's text is CommonMark's
    # call, and a fence may be longer than three backticks.
    xml = subprocess.run(["cmark", "--to", "xml", "--sourcepos", path], check=True,
                         capture_output=True).stdout
    with open(path, encoding="utf-8") as f:
        source = f.read().splitlines()
    for node in ET.fromstring(xml).iter(CM + "code_block"):
        start = int(node.get("sourcepos").split(":")[0])
        # cmark gives no info for an indented block and for a bare fence: tell them apart.
        fenced = re.match(r" {0,3}(```|~~~)", source[start - 1]) is not None
        info = (node.get("info") or "") if fenced else None
        # A fenced block's text starts on the line after its fence.
        block = {"file": path, "line": start + 1 if fenced else start, "info": info,
                 "text": node.text or ""}
        if fenced and info.split()[:1] == ["console"]:
            block["steps"] = console_steps(block["text"], block["line"])
        yield block


def console_steps(text, first_line):
    """'$ ' lines are commands (a trailing backslash continues one), the rest their output."""
    steps = []
    continued = False
    for offset, line in enumerate(text.splitlines()):
        if continued:
            steps[-1]["command"] += "\n" + line
        elif line.startswith("$ "):
            steps.append({"line": first_line + offset, "command": line[2:], "expected": ""})
        elif steps:
            steps[-1]["expected"] += line + "\n"
        elif line.strip():
            raise SystemExit(f"line {first_line + offset}: output before any '$ ' command")
        continued = line.endswith("\\") and (continued or line.startswith("$ "))
    return steps


def normalized(text):
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def line_pattern(expected_line):
    return re.compile(".*".join(re.escape(part) for part in expected_line.split(ELLIPSIS)))


def matches(expected, actual):
    """None when ACTUAL is what EXPECTED shows; else (i, j): the furthest shown line i that no
    alignment gets past, and the output line j it was tried against."""
    # Positions (i in expected, j in actual) still to try; "…" lines make it a small search.
    patterns = [None if e == ELLIPSIS else line_pattern(e) for e in expected]
    seen = set()
    todo = [(0, 0)]
    furthest = (0, 0)
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        furthest = max(furthest, (i, j))
        if i == len(expected):
            if j == len(actual):
                return None
            continue
        if patterns[i] is None:
            todo.append((i + 1, j))
            if j < len(actual):
                todo.append((i, j + 1))
        elif j < len(actual) and patterns[i].fullmatch(actual[j]):
            todo.append((i + 1, j + 1))
    return furthest


def main(argv):
    if len(argv) >= 2 and argv[0] == "blocks":
        for path in argv[1:]:
            for block in code_blocks(path):
                print(json.dumps(block, ensure_ascii=False))
        return 0
    if len(argv) == 3 and argv[0] == "match":
        with open(argv[1], encoding="utf-8", errors="replace") as f:
            expected = normalized(f.read())
        with open(argv[2], encoding="utf-8", errors="replace") as f:
            actual = normalized(f.read())
        mismatch = matches(expected, actual)
        if mismatch is None:
            return 0
        i, j = mismatch
        shown = f"shown line {i + 1}: {expected[i]}" if i < len(expected) else "the shown output ends"
        got = f"output line {j + 1}: {actual[j]}" if j < len(actual) else "the output ends"
        print(f"first difference: {shown}")
        print(f"              vs. {got}")
        sys.stdout.writelines(
            line + "\n"
            for line in difflib.unified_diff(expected, actual, "shown", "actual", lineterm=""))
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
