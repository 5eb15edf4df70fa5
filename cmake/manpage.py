#!/usr/bin/env python3
"""Write parlab's man page, parlab.1, from the program's own --help texts.

Usage: manpage.py PARLAB_EXECUTABLE OUTPUT_FILE VERSION

Runs `parlab --help` and `parlab COMMAND --help` for every command the top-level help lists (but `gui`,
which opens a window), and turns their text into a section 1 roff page: the help texts are the single
source, so the page cannot drift from them. Only what the program cannot say about itself (environment
variables, files, see also) is written here. Shapes of help text this script does not recognise are kept
verbatim rather than guessed at, so a new help text never breaks the build, it only looks plainer.

SOURCE_DATE_EPOCH, when set, gives the page's date (reproducible builds). Exits 1, naming the command,
when a help command fails; 2 on bad arguments.
"""

import datetime
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

PROGRAM = "parlab"
SUMMARY = "a desktop lab for parallel speedup"
TIMEOUT_S = 60  # a help text takes milliseconds; this only keeps a hung program from hanging the build
# `parlab gui` wants a display (and builds a QApplication) before it reads its options, and a build must not
# depend on a display: gui is described from its line in the top-level help instead.
NO_HELP_COMMANDS = {"gui"}
# The help texts print the default history path, which depends on the builder's home. Run parlab with this
# home and write it back as "~/": the page then reads the same for every user and every build. It is Debian's
# conventional never-existing home (pbuilder builds with it); --help creates nothing under it.
FAKE_HOME = "/nonexistent"

HEADER_RE = re.compile(r"^([A-Z][A-Za-z ]*):$")  # "Options:", "Commands:", "Examples:" at column 0
# An entry: indented term, two or more spaces, description. Group 4 starts the description column.
ENTRY_RE = re.compile(r"^( +)(\S.*?)( {2,})(\S)")
# In running text: `code` spans, and options (with an upper-case argument such as NAME) to set in bold.
INLINE_RE = re.compile(r"`([^`\n]+)`|(?<![\w\-/.])(--?[A-Za-z][\w-]*)( [A-Z][A-Z0-9_]*\b(?![a-z]))?")


def fail(message):
    print(f"manpage.py: {message}", file=sys.stderr)
    sys.exit(1)


def warn(message):
    print(f"manpage.py: warning: {message}", file=sys.stderr)


# ----------------------------------------------------------------------------------------------- running

def help_environment():
    """The environment for the help commands: no display, a fixed home and locale, none of the caller's
    PARLAB_* or XDG_*_HOME overrides, so the texts are the ones every user sees by default."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PARLAB_") and not (key.startswith("XDG_") and key.endswith("_HOME"))
           and key != "LANGUAGE"}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=FAKE_HOME, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    return env


def run_help(executable, command, env):
    """stdout of `parlab [command] --help`; fails the script (exit 1) if the command does not succeed."""
    args = [command] if command else []
    shown = " ".join([PROGRAM, *args, "--help"])
    try:
        done = subprocess.run([executable, *args, "--help"], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        fail(f"`{shown}` did not finish within {TIMEOUT_S} s ({executable})")
    except OSError as error:
        fail(f"cannot run `{shown}` ({executable}): {error.strerror}")
    if done.returncode != 0:
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        fail(f"`{shown}` failed ({how})" + (": " + " / ".join(detail) if detail else ""))
    text = done.stdout.decode("utf-8", "replace")
    if not text.strip():
        fail(f"`{shown}` printed nothing")
    return text.replace(FAKE_HOME + "/", "~/")


# ----------------------------------------------------------------------------------------------- parsing

def parse_help(text):
    """Splits a help text into its usage (the text after "Usage:", or None) and blocks:
    ("prose", lines) for unindented text, ("section", title, lines) for a "Title:" line and the indented
    lines under it, ("verbatim", lines) for indented text outside any section."""
    lines = [line.rstrip() for line in text.expandtabs().splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    usage = None
    if lines and lines[0].startswith("Usage:"):
        usage = lines.pop(0)[len("Usage:"):].strip() or None
    blocks = []
    section = None
    for line in lines:
        header = HEADER_RE.match(line)
        if header:
            section = ("section", header.group(1), [])
            blocks.append(section)
        elif section is not None and (not line or line[0] == " "):
            section[2].append(line)  # blank lines stay inside: sections may space out their entries
        elif not line:
            blocks.append(("blank",))
        else:
            section = None  # unindented text ends a section
            kind = "verbatim" if line[0] == " " else "prose"
            if blocks and blocks[-1][0] == kind:
                blocks[-1][1].append(line)
            else:
                blocks.append((kind, [line]))
    return usage, [block for block in blocks if block[0] != "blank"]


def paragraphs(lines):
    """Prose lines as paragraphs. The help texts wrap long paragraphs but also put separate statements on
    lines of their own ("Exit codes: ..."), so a line that ends a sentence ends its paragraph too; at worst
    that splits a paragraph whose wrap fell after a full stop."""
    result, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        if current and (not line.strip() or re.search(r"[.!?][)\"']?$", line)):
            result.append(current)
            current = []
    if current:
        result.append(current)
    return result


def parse_entries(lines):
    """A section's lines as ("entry", term, description) and ("verbatim", lines) items, or None when the
    section is not a list of entries (e.g. example command lines)."""
    starts = Counter()
    for line in lines:
        match = ENTRY_RE.match(line)
        if match and len(match.group(1)) < 8:
            starts[match.start(4)] += 1
    if not starts:
        return None
    # The description column is the one most entries use; an entry whose term fills it ("  overhead measure")
    # is split there too, as long as a space separates them.
    column = starts.most_common(1)[0][0]
    items, open_entry, matched, content = [], False, 0, 0
    for line in lines:
        if not line.strip():
            open_entry = False
            continue
        content += 1
        indent = len(line) - len(line.lstrip())
        if indent >= column and open_entry:
            items[-1][2] += " " + line.strip()
            matched += 1
        elif indent < column < len(line) and line[column - 1] == " " and line[column] != " " \
                and line[indent:column].strip():
            items.append(["entry", line[:column].strip(), line[column:].strip()])
            open_entry = True
            matched += 1
        else:
            if items and items[-1][0] == "verbatim":
                items[-1][1].append(line)
            else:
                items.append(["verbatim", [line]])
            open_entry = False
    # Mostly not entries: the column was a coincidence; the whole section is better shown as it is.
    if matched * 2 < content:
        return None
    return items


def parse_exit_codes(text):
    """[(code, meaning)] from an "Exit codes: 0 ok, 1 ..., 2 ...." sentence, or [] when there is none."""
    joined = " ".join(line.strip() for line in text.splitlines())
    found = re.search(r"Exit (?:codes|status(?:es)?):\s*(.*?)\.(?=\s|$)", joined)
    if not found:
        return []
    sentence = found.group(1)
    # Split at ", 2 " and the like, but not inside parentheses ("(no such run, the history ...)").
    masked, depth = [], 0
    for char in sentence:
        depth += char == "("
        masked.append(char if depth == 0 else "x")
        depth -= char == ")" and depth > 0
    separators = list(re.finditer(r",\s*(?:and\s+|or\s+)?(?=\d+\s)", "".join(masked)))
    starts = [0] + [m.end() for m in separators]
    ends = [m.start() for m in separators] + [len(sentence)]
    parts = [sentence[a:b] for a, b in zip(starts, ends)]
    codes = []
    for part in parts:
        match = re.match(r"^(\d+)\s+(.+)$", part.strip())
        if not match:
            warn(f"cannot read the exit code in '{part.strip()}'")
            return []
        codes.append((int(match.group(1)), match.group(2).strip()))
    return codes


# ----------------------------------------------------------------------------------------------- roff

def esc(text):
    """Text as roff: backslash as \\e, every hyphen as \\- (options, backend names like process-per-task and
    paths must search and copy as ASCII hyphen-minus), a straight apostrophe for quotes in command lines,
    anything outside ASCII as a \\[uXXXX] escape so the page is plain ASCII for every formatter."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\e")
        elif char == "-":
            out.append("\\-")
        elif char == "'":
            out.append("\\(aq")
        elif char == "`":
            out.append("\\(ga")
        elif ord(char) > 126 or (ord(char) < 32 and char != "\t"):
            out.append(f"\\[u{ord(char):04X}]" if ord(char) > 126 else "")
        else:
            out.append(char)
    return "".join(out)


def bold(text):
    return f"\\fB{esc(text)}\\fR"


def italic(text):
    return f"\\fI{esc(text)}\\fR"


def text_line(line):
    # A text line starting with . or ' would be read as a request.
    return "\\&" + line if line.startswith((".", "'")) else line


def quoted(text):
    """A macro argument in double quotes."""
    return '"' + esc(text).replace('"', "\\(dq") + '"'


def inline(text):
    """Running text: `code` in bold without its backticks, options in bold and their NAME in italics."""
    out, last = [], 0
    for match in INLINE_RE.finditer(text):
        out.append(esc(text[last:match.start()]))
        if match.group(1) is not None:
            out.append(bold(match.group(1)))
        else:
            out.append(bold(match.group(2)))
            if match.group(3):
                out.append(" " + italic(match.group(3).strip()))
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def doc(text):
    """This script's own text as a roff line: `x` in bold, {x} in italics, the rest escaped."""
    out, last = [], 0
    for match in re.finditer(r"`([^`]+)`|\{([^}]+)\}", text):
        out.append(esc(text[last:match.start()]))
        out.append(bold(match.group(1)) if match.group(1) is not None else italic(match.group(2)))
        last = match.end()
    out.append(esc(text[last:]))
    return text_line("".join(out))


def format_word(word, literal):
    """One word of a usage line or an entry's term: options and literal words (the program, a command) in
    bold, placeholders in italics without their <>, brackets and punctuation roman."""
    lead = re.match(r"^[\[(<]*", word).group(0)
    trail = re.search(r"(?:\.\.\.|[\])>,;|])*$", word[len(lead):]).group(0)
    core = word[len(lead):len(word) - len(trail)]
    lead, trail = lead.replace("<", ""), trail.replace(">", "")
    if not core:
        return esc(word)
    if core.startswith("-"):
        if "=" in core:
            option, value = core.split("=", 1)
            shown = bold(option) + "=" + italic(value.strip("<>"))
        else:
            shown = bold(core)
    elif literal:
        shown = bold(core)
    else:
        shown = italic(core)
    return esc(lead) + shown + esc(trail)


def format_words(text, literal_count):
    words = text.split()
    return " ".join(format_word(word, index < literal_count and not re.search(r"[\[\]<>]", word))
                    for index, word in enumerate(words))


def verbatim(lines):
    """Lines exactly as the help prints them, unfilled, without their common indentation."""
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    body = [text_line(esc(line[cut:])) if line.strip() else "\\&" for line in lines]
    return [".PP", ".RS 4", ".nf", *body, ".fi", ".RE"] if body else []


def render_prose(lines):
    out = []
    for paragraph in paragraphs(lines):
        out.append(".PP")
        out.extend(text_line(inline(line)) for line in paragraph)
    return out


def render_entries(items, literal_count):
    out = []
    for item in items:
        if item[0] == "entry":
            out += [".TP", text_line(format_words(item[1], literal_count)), text_line(inline(item[2]))]
        else:
            out += verbatim(item[1])
    return out


def render_section_body(title, lines):
    """A section's indented lines: .TP entries when they are "term  description" lines, else verbatim.
    Arguments name placeholders (italic); other sections name options or commands (bold)."""
    items = parse_entries(lines)
    if items is None:
        return verbatim(lines)
    return render_entries(items, 0 if title == "Arguments" else 1)


def render_blocks(blocks, subsection):
    out = []
    for block in blocks:
        if block[0] == "prose":
            out += render_prose(block[1])
        elif block[0] == "verbatim":
            out += verbatim(block[1])
        else:
            _, title, lines = block
            if subsection:
                out += [".PP", text_line(bold(title))]
            else:
                out += [".SH " + quoted(title.upper())]
            out += render_section_body(title, lines)
    return out


def usage_line(usage, names):
    """A usage line with the program and command names in bold."""
    words = usage.split()
    literal = 0
    while literal < len(words) and words[literal] in names:
        literal += 1
    return text_line(format_words(usage, literal))


def sentence(text):
    text = text.strip()
    return (text[:1].upper() + text[1:]) + ("" if text.endswith((".", "!", "?")) else ".")


def page_date():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            when = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            fail(f"SOURCE_DATE_EPOCH is not a number of seconds: '{epoch}'")
    else:
        when = datetime.datetime.now(tz=datetime.timezone.utc)
    return when.strftime("%Y-%m-%d")


# ----------------------------------------------------------------------------------------------- the page

def exit_status_section(helps):
    """EXIT STATUS from the "Exit codes:" sentences of the help texts; a meaning that differs between commands,
    or that only some give, is shown with the commands' names."""
    by_code = {}
    listing = []
    for name, text in helps:
        codes = parse_exit_codes(text)
        if codes:
            listing.append(name)
        for code, meaning in codes:
            by_code.setdefault(code, []).append((name, meaning))
    out = [".SH \"EXIT STATUS\""]
    if not by_code:
        warn("no help text gives its exit codes; EXIT STATUS is the built-in summary")
        by_code = {0: [(None, "success")],
                   1: [(None, "a run failed (a backend failed or checksums differ)")],
                   2: [(None, "bad usage or input")]}
        listing = [None]
    for code in sorted(by_code):
        meanings = by_code[code]
        texts = {meaning for _, meaning in meanings}
        # "bad usage" and "bad usage or input" say the same: keep the fuller one.
        texts = {t for t in texts if not any(o != t and o.startswith(t) for o in texts)}
        out += [".TP", bold(str(code))]
        if len(texts) == 1 and len(meanings) == len(listing):
            out.append(text_line(inline(texts.pop())))
            continue
        for index, (name, meaning) in enumerate(meanings):
            if meaning not in texts:
                continue
            if index:
                out.append(".br")
            prefix = bold(f"{PROGRAM} {name}" if name else PROGRAM) + ": "
            out.append(text_line(prefix + inline(meaning)))
    return out


def build_page(executable, version):
    env = help_environment()
    top_text = run_help(executable, None, env)
    top_usage, top_blocks = parse_help(top_text)

    # The commands, in the order the top-level help lists them, with its one-line summary of each.
    commands, commands_fallback, other_sections, options_lines, example_lines, description = \
        [], None, [], None, None, []
    for block in top_blocks:
        if block[0] != "section":
            description.append(block)
        elif block[1] == "Commands":
            items = parse_entries(block[2])
            if items and all(item[0] == "entry" for item in items):
                for _, term, summary in items:
                    commands.append((term.split()[0], summary))
            else:
                warn("cannot read the command list of `parlab --help`; COMMANDS shows it verbatim")
                commands_fallback = block[2]
        elif block[1] == "Options":
            options_lines = block[2]
        elif block[1] == "Examples":
            example_lines = block[2]
        else:
            other_sections.append(block)
    if not commands and commands_fallback is None:
        warn("`parlab --help` lists no commands")

    names = {PROGRAM} | {name for name, _ in commands}
    synopsis = [usage_line(top_usage, names)] if top_usage else []
    helps = []  # (command, help text) for EXIT STATUS
    command_sections = []
    for name, summary in commands:
        command_sections.append(".SS " + quoted(f"{PROGRAM} {name}"))
        if name in NO_HELP_COMMANDS or not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            # No help of its own to run: the summary line, and the options it names for the synopsis.
            options = re.findall(r"(?<![\w-])(--?[a-z][\w-]*(?: [A-Z][A-Z0-9_]*\b)?)", summary)
            synopsis.append(usage_line(" ".join([PROGRAM, name, *(f"[{o}]" for o in options)]), names))
            command_sections += [".PP", text_line(inline(sentence(summary)))]
            if name == "gui":
                command_sections.append(
                    doc("`parlab gui --help` lists all its options; it needs a display (see ENVIRONMENT)."))
            continue
        text = run_help(executable, name, env)
        helps.append((name, text))
        usage, blocks = parse_help(text)
        if usage:
            synopsis.append(usage_line(usage, names))
        command_sections += render_blocks(blocks, subsection=True)

    out = [
        f'.\\" {PROGRAM}.1: generated by cmake/manpage.py from `{PROGRAM} --help` and its commands\' --help.',
        '.\\" Do not edit: change the help texts (or manpage.py) instead.',
        # The date is digits and hyphens, shown as they are (no \- in a date).
        f".TH {PROGRAM.upper()} 1 \"{page_date()}\" {quoted('ParLab ' + version)} {quoted('User Commands')}",
        # Left-aligned, no hyphenation: long option values and backend names must not be split or stretched.
        ".ad l",
        ".nh",
        ".SH NAME",
        f"{PROGRAM} \\- {esc(SUMMARY)}",
        ".SH SYNOPSIS",
    ]
    for index, line in enumerate(synopsis):
        out += ([".br"] if index else []) + [line]

    out.append(".SH DESCRIPTION")
    out += render_blocks(description, subsection=True)

    if options_lines is not None:
        out.append(".SH OPTIONS")
        out += render_section_body("Options", options_lines)

    out.append(".SH COMMANDS")
    if commands_fallback is not None:
        out += verbatim(commands_fallback)
    out += command_sections
    out += render_blocks(other_sections, subsection=False)

    out += exit_status_section(helps)

    # What the help texts do not say: where parlab finds its helpers and keeps its data (installlayout.cpp,
    # mpibackend.cpp, historystore.cpp).
    out += [
        ".SH ENVIRONMENT",
        ".TP", bold("PARLAB_MPIRUN"),
        doc("The `mpirun` the `mpi` backend launches. Default: `mpirun` on the PATH."),
        ".TP", bold("PARLAB_MPI_WORKER"),
        doc("The rank program the `mpi` backend starts under `mpirun`. Default: `parlab-mpi-worker` in the "
            "installation's libexec folder, found relative to the folder of the `parlab` program: "
            "{../libexec/parlab/parlab-mpi-worker}."),
        ".TP", bold("PARLAB_KERNEL_LIBRARY"),
        doc("The C library of ParLab's kernels that the python-* backends load through ctypes with "
            "`--python-native`. Default: `libparlab_kernels.so` in the installation's library folder, found "
            "relative to the folder of the `parlab` program, e.g. {../lib/parlab/libparlab_kernels.so}."),
        ".TP", bold("PARLAB_WORKER_EXECUTABLE"),
        doc("The program the `processes` and `process-per-task` backends start as their worker processes "
            "(`parlab worker`). Default: the `parlab` program itself."),
        ".TP", bold("XDG_DATA_HOME"),
        doc("The run history is kept in {$XDG_DATA_HOME/parlab/history.sqlite}; when it is unset, in "
            "{~/.local/share/parlab/history.sqlite}."),
        ".TP", bold("DISPLAY") + ", " + bold("WAYLAND_DISPLAY") + ", " + bold("QT_QPA_PLATFORM"),
        doc("The window (`parlab gui`, or `parlab` with no command) needs one of them; without any it says so "
            "and exits with status 2. The other commands need no display."),
        ".SH FILES",
        ".TP", italic("~/.local/share/parlab/history.sqlite"),
        doc("The run history, an SQLite database: every measurement of `parlab run` and of the window, saved "
            "as it lands (see `parlab history`). `XDG_DATA_HOME` moves it; `--history-db` uses another file "
            "and `--no-history` none."),
        ".TP", italic("~/.local/share/parlab/history.sqlite.corrupt-TIME"),
        doc("A damaged history database, moved aside when a fresh one was started in its place."),
    ]

    if example_lines is not None:
        out += [".SH EXAMPLES", ".RS 4"]
        for line in example_lines:
            if line.strip():
                out += [".PP", text_line(esc(line.strip()))]
        out.append(".RE")

    out += [".SH \"SEE ALSO\"", ".BR mpirun (1),", ".BR python3 (1)"]
    return "\n".join(out) + "\n"


def write_atomically(path, text):
    """Writes through a temporary file in the same folder and a rename, so a reader (or make, after an
    interrupted build) never sees half a page."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="ascii", newline="\n") as file:
            file.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would otherwise stick to the page
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def main(argv):
    if len(argv) != 4:
        print("usage: manpage.py PARLAB_EXECUTABLE OUTPUT_FILE VERSION", file=sys.stderr)
        return 2
    executable, output, version = argv[1:]
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        fail(f"{executable} is not an executable file")
    page = build_page(executable, version)
    try:
        write_atomically(output, page)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
