#!/usr/bin/env python3
"""Keeps docs/ true to the programs.

  docs_check.py SOURCE_DIR CONTROLLER AGENT CLI

Checks, and prints every mismatch (exit 1) or "docs agree" (exit 0):
- flags: each row of the controller's and the agent's flag tables in docs/user-guide.md
  names flags, environment variables and defaults that the binary's --help shows, and
  every flag of --help has a row;
- event reasons: every reason the docs show (the events table of the user guide, event
  lines of examples in any doc) is one the controller records, and every reason it
  records is in the user guide's table;
- event messages: where the controller's message for a reason is fixed text, the docs'
  examples show that text;
- conditions: every (type, reason) the docs show (the user guide's conditions table,
  describe and JSON examples, tables in any doc) is one the controller sets, and every one
  it sets is in the user guide's table; describe examples fill LAST TRANSITION;
- CLI flags: every `--flag` docs/cli.md names is one of microscalectl (its --help and each
  subcommand's) or of the daemons.

What the controller records is read from its sources (controller/): the literal reasons
and messages of each `events.Add(...)` call and each `MakeCondition(...)` call.
"""

import glob
import os
import re
import subprocess
import sys

CAMEL = re.compile(r'"([A-Z][A-Za-z]+)"')


def split_args(text):
    """The top-level comma-separated arguments of a call's argument text."""
    args, depth, current, i = [], 0, [], 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            current.append(text[i:j + 1])
            i = j + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    args.append("".join(current).strip())
    return args


def calls(source, name_pattern):
    """The argument lists of every call matching `name_pattern` (a regex ending at '(')."""
    out = []
    for m in re.finditer(name_pattern, source):
        start = m.end()
        depth, i = 1, start
        while depth > 0:
            ch = source[i]
            if ch == '"':
                i += 1
                while source[i] != '"':
                    i += 2 if source[i] == "\\" else 1
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        out.append(split_args(source[start:i - 1]))
    return out


def literal_text(expr):
    """The text of an expression made only of adjacent string literals, else None."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', expr)
    rest = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr).strip()
    if not parts or rest:
        return None
    return "".join(parts)


def literal_choices(expr):
    """The literal texts of `a ? "x" : "y"` or a plain literal; None when not only literals."""
    branches = re.split(r"[?:]", expr)
    if len(branches) > 1:
        branches = branches[1:]  # drop the condition
    texts = [literal_text(b.strip()) for b in branches]
    return None if any(t is None for t in texts) else texts


def resolve_names(expr, source):
    """Reason strings an argument can take: its literals, or those of the function or
    variable it names in the same file."""
    names = set(CAMEL.findall(expr))
    if names:
        return names
    m = re.match(r"([A-Za-z_]\w*)\s*(\()?", expr)
    if not m:
        return names
    ident = m.group(1)
    if m.group(2):  # a call: the literals its body returns
        body = re.search(r"\b" + ident + r"\([^)]*\)\s*\{(.*?)\n\}", source, re.S)
        if body:
            names |= set(CAMEL.findall(body.group(1)))
    else:  # a variable: the literals of its definition
        for d in re.finditer(r"\b" + ident + r"\s*=\s*([^;]*);", source):
            names |= set(CAMEL.findall(d.group(1)))
    return names


def code_facts(src):
    """(event reasons, {reason: fixed messages or None}, {(type, reason)}) from controller/."""
    reasons, messages, conditions = set(), {}, set()
    for path in glob.glob(os.path.join(src, "controller", "**", "*.cc"), recursive=True):
        if path.endswith("_test.cc"):
            continue
        with open(path, encoding="utf-8") as f:
            source = f.read()
        for args in calls(source, r"\bevents_?\.Add\("):
            if len(args) < 4:
                continue
            names = resolve_names(args[1], source)
            reasons |= names
            fixed = literal_choices(args[3])
            for name in names:
                if fixed is None:
                    messages[name] = None
                elif messages.get(name, ()) is not None:
                    messages[name] = set(messages.get(name, set())) | set(fixed)
        for args in calls(source, r"\bMakeCondition\("):
            if len(args) < 3 or literal_text(args[0]) is None:
                continue
            for reason in CAMEL.findall(args[2]):
                conditions.add((literal_text(args[0]), reason))
    return reasons, messages, conditions


def section(text, heading):
    """The lines of the `## heading` section."""
    m = re.search(r"^## " + re.escape(heading) + r"\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return m.group(1).splitlines() if m else []


def table_rows(lines):
    rows = []
    for line in lines:
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:] if rows else rows  # without the header


def ticks(cell):
    return re.findall(r"`([^`]*)`", cell)


def help_flags(binary):
    """{flag: (env, default or None)} from `binary --help`."""
    text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=False).stdout
    flags = {}
    for m in re.finditer(r"^\s+(--[a-z0-9-]+)(?: [A-Z]+(?:=(\S*))?)?(?: \(Env:(\w+)\))?",
                         text, re.M):
        flag, default, env = m.group(1), m.group(2), m.group(3)
        if flag not in ("--help", "--version"):
            flags[flag] = (env, default)
    return flags


def check_flags(guide, heading, binary, errors):
    flags = help_flags(binary)
    if not flags:
        errors.append(f"{binary} --help lists no flags")
        return
    documented = set()
    for row in table_rows(section(guide, heading)):
        if len(row) < 4:
            continue
        names = [t for t in ticks(row[0]) if t.startswith("--")]
        envs = ticks(row[1])
        if envs and len(envs) < len(names):  # `..._KEY`: the first env's prefix
            envs = envs + [envs[0]] * (len(names) - len(envs))
        defaults = ticks(row[2])
        for i, name in enumerate(names):
            documented.add(name)
            where = f"docs/user-guide.md, {heading}: {name}"
            if name not in flags:
                errors.append(f"{where}: {os.path.basename(binary)} has no such flag")
                continue
            env, default = flags[name]
            if i < len(envs):
                doc_env = envs[i]
                if doc_env.startswith("..._"):
                    prefix = envs[0].rsplit("_", 1)[0]
                    doc_env = prefix + doc_env[3:]
                if doc_env != env:
                    errors.append(f"{where}: env is {env}, the doc says {doc_env}")
            if default not in (None, ""):
                if default not in defaults and not (default == "0" and "0" in row[2]):
                    errors.append(f"{where}: default is {default}, the doc says {row[2]}")
            elif defaults and defaults[0] not in ("0",):
                errors.append(f"{where}: --help shows no default, the doc says {row[2]}")
    for name in sorted(set(flags) - documented):
        errors.append(f"docs/user-guide.md, {heading}: {name} of {os.path.basename(binary)} "
                      "has no row")


def cli_flags(cli):
    """Every flag of `cli --help` and of `cli SUBCOMMAND --help`, and of their subcommands."""
    seen, to_read, flags = set(), [[]], set()
    while to_read:
        words = to_read.pop()
        text = subprocess.run([cli, *words, "--help"], capture_output=True, text=True,
                              check=False).stdout
        flags |= set(re.findall(r"^\s+(?:-\w,)?(--[a-z0-9-]+)", text, re.M))
        block = re.search(r"^Subcommands:\n((?:  \S.*\n)+)", text, re.M)
        for sub in re.findall(r"^  ([a-z-]+)", block.group(1), re.M) if block else []:
            if tuple(words + [sub]) not in seen and len(words) < 2:
                seen.add(tuple(words + [sub]))
                to_read.append(words + [sub])
    return flags


# Wrong flags the docs show on purpose, with the CLI's answer to them.
MISSPELT_ON_PURPOSE = {"--dryrun"}


def check_cli_flags(src, cli, daemon_flags, errors):
    known = cli_flags(cli)
    if len(known) < 10:
        errors.append(f"{cli} --help lists only {len(known)} flags: the help scan is broken")
        return
    with open(os.path.join(src, "docs", "cli.md"), encoding="utf-8") as f:
        text = f.read()
    for flag in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", text))):
        if flag in MISSPELT_ON_PURPOSE:
            continue
        if flag not in known and flag not in daemon_flags:
            errors.append(f"docs/cli.md: {flag} is not a flag of microscalectl")


EVENT_LINE = re.compile(
    r"^(?:\d{4}-\d\d-\d\dT\S+|\s*\d+[smhd](?:\d+[smh])?)\s+([A-Z][A-Za-z]+)\s+"
    r"(?:(?:app|node)/\S+\s+)?(.*)$")


def doc_event_lines(text):
    """(reason, message) of the event lines in code blocks of `text`."""
    out, in_block, in_events = [], False, False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block, in_events = not in_block, False
            continue
        if not in_block:
            continue
        if re.match(r"^\s*(TIME|AGE)\s+REASON\b", line) or line.strip() == "Events:":
            in_events = True
            continue
        if in_events:
            m = EVENT_LINE.match(line)
            if m:
                out.append((m.group(1), m.group(2).strip()))
            elif line.strip() and not line.startswith(" "):
                in_events = False
    return out


def doc_conditions(text, types):
    """(type, reason) pairs shown by `text`: tables, describe blocks and JSON."""
    out = set()
    current = None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            first = ticks(cells[0])
            if first and first[0] in types:
                current = first[0]
            elif cells[0] and not cells[0].startswith("`"):
                current = None
            if current and len(cells) >= 3 and ticks(cells[1]) and ticks(cells[1])[0] in (
                    "True", "False", "Unknown") and ticks(cells[2]):
                out.add((current, ticks(cells[2])[0]))
            continue
        m = re.match(r"^\s+([A-Z]\w+)\s+(True|False|Unknown)\s+([A-Z]\w+)\s+(\S+)", line)
        if m and m.group(1) in types:
            out.add((m.group(1), m.group(3)))
            if not re.match(r"\d{4}-\d\d-\d\dT", m.group(4)):
                out.add((m.group(1), "(no LAST TRANSITION time)"))
        for j in re.finditer(r'"type":\s*"(\w+)",\s*"status":\s*"\w+",\s*"reason":\s*"(\w+)"',
                             line):
            out.add((j.group(1), j.group(2)))
    return out


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    src, controller, agent, cli = sys.argv[1:]
    errors = []
    with open(os.path.join(src, "docs", "user-guide.md"), encoding="utf-8") as f:
        guide = f.read()
    check_flags(guide, "Start a controller", controller, errors)
    check_flags(guide, "Start agents", agent, errors)
    check_cli_flags(src, cli, set(help_flags(controller)) | set(help_flags(agent)), errors)

    reasons, messages, conditions = code_facts(src)
    if len(reasons) < 10 or len(conditions) < 5:
        errors.append(f"read only {len(reasons)} event reasons and {len(conditions)} "
                      "conditions from controller/: the source scan is broken")
    table = set()
    for row in table_rows(section(guide, "Events")):
        table |= {t for t in ticks(row[0]) if re.fullmatch(r"[A-Z][A-Za-z]+", t)}
    for name in sorted(table - reasons):
        errors.append(f"docs/user-guide.md, Events: {name} is not a reason the controller records")
    for name in sorted(reasons - table):
        errors.append(f"docs/user-guide.md, Events: {name} (recorded by the controller) has no row")

    types = {t for t, _ in conditions}
    cond_table = doc_conditions("\n".join(section(guide, "Conditions")), types)
    for pair in sorted(conditions - cond_table):
        errors.append(f"docs/user-guide.md, Conditions: {pair[0]}/{pair[1]} has no row")

    for path in sorted(glob.glob(os.path.join(src, "docs", "*.md"))):
        name = os.path.relpath(path, src)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for reason, message in doc_event_lines(text):
            if reason not in reasons:
                errors.append(f"{name}: event reason {reason} is not one the controller records")
            elif messages.get(reason) and message and message not in messages[reason]:
                errors.append(f"{name}: the {reason} message is {sorted(messages[reason])}, "
                              f"the doc shows {message!r}")
        for pair in sorted(doc_conditions(text, types) - conditions):
            errors.append(f"{name}: condition {pair[0]} reason {pair[1]} is not one the "
                          "controller sets")

    for e in errors:
        print(e)
    if errors:
        print(f"{len(errors)} mismatch(es) between docs/ and the programs")
        return 1
    print(f"docs agree: {len(reasons)} event reasons, {len(conditions)} condition reasons, "
          "controller, agent and CLI flags")
    return 0


if __name__ == "__main__":
    sys.exit(main())
