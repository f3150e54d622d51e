"""Every Markdown code block of the README and of docs/ (found automatically: a new page is covered as it is
added) runs here, or is checked as far as it can be without running for minutes.

The convention, by the block's language (its info string after the opening fence):

* ``python``: executed; the blocks of one page share a namespace, in order, and run in a fresh temporary
  folder. A block with ``>>>`` prompts is a doctest (ELLIPSIS and NORMALIZE_WHITESPACE): its printed values are
  checked. A plain block checks itself with ``assert``.
* ``console``: a session: each ``$ command`` line is run and the lines after it, up to the next ``$``, are its
  expected output (compared as a doctest's, so ``...`` stands for a varying part: a time, a path). Every command
  runs; only ``mightnt`` / ``python -m proofs_checks`` commands may appear. A result of a run shown on a page is
  shown this way (or by a doctest), never pasted.
* ``sh`` / ``bash``: commands for the reader, one per line (``\\`` continues a line, ``&&`` chains, ``#``
  comments, ``> FILE`` redirects, ``NAME=value`` sets the environment). Checked by what they call:
  ``mightnt ...`` and ``python -m proofs_checks ...`` are parsed by the CLI's own parser, and run (in a
  temporary folder, exit status 0 expected) unless the subcommand is one of :data:`PARSED_ONLY` (searches
  and the experiment take seconds to minutes; a console block runs one where its output is worth showing), or
  replays a file that no command before it wrote; ``python -m proofs_checks.pages`` is parsed;
  ``pytest`` / ``python -m pytest``: the files named exist; ``python -c CODE``: CODE runs; ``pip install``:
  the extras named exist in pyproject.toml; programs of :data:`EXTERNAL` (not ours) are not checked.
* ``text``: formulas, data formats and other text that is not run (and never the output of a run);
  ``math``: LaTeX formulas.
* A block without a language fails: every block says what it is.
"""

import contextlib
import doctest
import io
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from proofs_checks import cli, pages

ROOT = Path(__file__).resolve().parent.parent

#: Pages exempt from the rule that every block names its language, with the reason (their python, console and
#: shell blocks still run). Remove an entry when the reason is gone.
UNNAMED_ALLOWED: dict[str, str] = {}
#: The languages a block may declare (see the module docstring).
LANGUAGES = ("python", "console", "sh", "bash", "text", "math")
#: ``mightnt`` subcommands that shell blocks only parse: searches (seconds to minutes each) and the experiment.
PARSED_ONLY = ("check", "counterexample", "experiment")
#: Programs shell blocks may name that are not ours (not run, not checked).
EXTERNAL = ("dask",)


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # of the opening fence, from 1
    language: str
    text: str

    def __str__(self):
        return f"{self.page}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order.

    >>> import tempfile
    >>> md = Path(tempfile.mkdtemp()) / "a.md"
    >>> _ = md.write_text("text\\n```python\\nx = 1\\n```\\n\\n```\\n2\\n```\\n")
    >>> [(b.line, b.language, b.text) for b in blocks(md)]
    [(2, 'python', 'x = 1\\n'), (6, '', '2\\n')]
    """
    page = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    out, lines, i = [], path.read_text(encoding="utf-8").split("\n"), 0
    while i < len(lines):
        if lines[i].startswith("```"):
            start, language = i, lines[i][3:].strip()
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                i += 1
            out.append(Block(page, start + 1, language, "".join(line + "\n" for line in lines[start + 1 : i])))
        i += 1
    return out


PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
BLOCKS = [b for page in PAGES for b in blocks(page)]


def _pages_with(*languages) -> list[str]:
    return sorted({b.page for b in BLOCKS if b.language in languages})


def _of(page: str, *languages) -> list[Block]:
    return [b for b in BLOCKS if b.page == page and b.language in languages]


def test_pages_are_found():
    names = {b.page for b in BLOCKS}
    assert {"README.md", "docs/tutorial.md", "docs/claims/pinsker.md"} <= names
    assert set(UNNAMED_ALLOWED) <= names, "an exempt page no longer exists or has no blocks"


def test_every_block_names_its_language():
    unnamed = [
        f"{b} ({b.language or 'no language'})"
        for b in BLOCKS
        if b.language not in LANGUAGES and b.page not in UNNAMED_ALLOWED
    ]
    assert not unnamed, f"blocks must be one of {LANGUAGES}: {unnamed}"


# -- python ------------------------------------------------------------------------------------------------------
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _run_doctest(block: Block, namespace: dict) -> None:
    test = doctest.DocTestParser().get_doctest(block.text, namespace, str(block), block.page, block.line)
    test.globs = namespace  # the page's later blocks see what this one defined (get_doctest copies the dict)
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    report = io.StringIO()
    runner.run(test, out=report.write, clear_globs=False)
    assert runner.failures == 0, report.getvalue()


@pytest.mark.parametrize("page", _pages_with("python"))
def test_python_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for block in _of(page, "python"):
        if re.search(r"^\s*>>> ", block.text, re.M):
            _run_doctest(block, namespace)
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(block.text, str(block), "exec"), namespace)


# -- console -----------------------------------------------------------------------------------------------------
def _mightnt_args(words: list[str]) -> list[str] | None:
    """The arguments of a ``mightnt`` command line (None: not one)."""
    if words[:1] == ["mightnt"]:
        return words[1:]
    if words[:3] == ["python", "-m", "proofs_checks"]:
        return words[3:]
    return None


def _run_mightnt(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = cli.main(args)
    return status, out.getvalue()


def _session(block: Block) -> list[tuple[str, str]]:
    """A console block's (command, expected output) pairs."""
    pairs: list = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            pairs.append([line[2:], ""])
        else:
            assert pairs, f"{block}: a console block starts with a '$ ' command"
            pairs[-1][1] += line + "\n"
    return [tuple(p) for p in pairs]


def _check_session(block: Block) -> None:
    checker = doctest.OutputChecker()
    for command, expected in _session(block):
        args = _mightnt_args(shlex.split(command))
        assert args is not None, f"{block}: {command!r} is not a mightnt command"
        status, output = _run_mightnt(args)
        assert status in (0, 1), f"{block}: {command!r} exited {status}"
        assert checker.check_output(expected, output, _FLAGS), (
            f"{block}: {command!r} printed\n{output}\nnot what the page shows:\n{expected}"
        )


@pytest.mark.parametrize("page", _pages_with("console"))
def test_console_sessions_print_what_the_page_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for block in _of(page, "console"):
        _check_session(block)


# -- sh ----------------------------------------------------------------------------------------------------------
def _commands(block: Block) -> list[list[str]]:
    """The simple commands of a shell block: continuations joined, ``&&``, ``;`` and ``|`` split, comments,
    redirections and environment settings dropped.

    >>> _commands(Block("p", 1, "sh", "A=1 mightnt list > x.txt  # all\\nmightnt check \\\\\\n  pinsker && ls\\n"))
    [['mightnt', 'list'], ['mightnt', 'check', 'pinsker'], ['ls']]
    """
    out = []
    for line in block.text.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        command: list = []
        words = list(lexer)
        i = 0
        while i < len(words):
            word = words[i]
            if word in ("&&", ";", "|", "||"):
                out.append(command)
                command = []
            elif word in (">", ">>", "<", "2>"):
                i += 1  # the file
            elif not command and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", word):
                pass
            else:
                command.append(word)
            i += 1
        out.append(command)
    return [c for c in out if c]


def _extras() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(data["project"]["optional-dependencies"])


def _check_pip(words: list[str], where: str) -> None:
    assert words[1] == "install", f"{where}: pip {words[1]}: only pip install is documented"
    for spec in words[2:]:
        match = re.fullmatch(r"(\.|mightnt)(?:\[([\w,-]+)\])?", spec)
        assert match, f"{where}: pip install {spec}: install '.' or 'mightnt', with extras"
        missing = set(filter(None, (match.group(2) or "").split(","))) - _extras()
        assert not missing, f"{where}: pip install {spec}: no extra {sorted(missing)} in pyproject.toml"


def _check_pytest(args: list[str], where: str) -> None:
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
        elif arg in ("-k", "-m", "-p"):
            skip_next = True
        elif not arg.startswith("-"):
            path = arg.split("::")[0]
            assert (ROOT / path).exists(), f"{where}: pytest {arg}: no such file"


def _check_command(words: list[str], where: str) -> None:
    args = _mightnt_args(words)
    if args is not None:
        try:
            parsed = cli._parser().parse_args(args)
        except SystemExit as exit:
            pytest.fail(f"{where}: {shlex.join(words)}: the CLI refuses it (exit {exit.code})")
        if parsed.command not in PARSED_ONLY and (parsed.command != "replay" or Path(parsed.file).exists()):
            status, _ = _run_mightnt(args)
            assert status == 0, f"{where}: {shlex.join(words)} exited {status}"
    elif words[:3] == ["python", "-m", "proofs_checks.pages"]:
        pages._parser().parse_args(words[3:])
    elif words[0] == "pytest" or words[:3] == ["python", "-m", "pytest"]:
        _check_pytest(words[1 if words[0] == "pytest" else 3 :], where)
    elif words[:2] == ["python", "-c"]:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(words[2], where, "exec"), {"__name__": "__docs__"})
    elif words[0] == "pip":
        _check_pip(words, where)
    else:
        assert words[0] in EXTERNAL, f"{where}: {words[0]}: not a command this test knows (see its docstring)"


@pytest.mark.parametrize("page", _pages_with("sh", "bash"))
def test_shell_commands_parse_and_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for block in _of(page, "sh", "bash"):
        assert not re.search(r"^\$ ", block.text, re.M), f"{block}: a session with output is a console block"
        for words in _commands(block):
            _check_command(words, str(block))


def test_a_wrong_command_fails_its_check():
    with pytest.raises(BaseException, match="the CLI refuses it"):
        _check_command(["mightnt", "check", "--profile", "fast"], "here")
    with pytest.raises(AssertionError, match="no extra"):
        _check_pip(["pip", "install", ".[plot]"], "here")
    with pytest.raises(AssertionError, match="no such file"):
        _check_pytest(["tests/claims/test_no_such_claim.py"], "here")
    with pytest.raises(AssertionError, match="not a command this test knows"):
        _check_command(["make", "docs"], "here")


def test_a_page_showing_other_output_fails():
    with pytest.raises(AssertionError, match="not what the page shows"):
        _check_session(Block("p", 1, "console", "$ mightnt explain pinsker\npinsker: Pinsker, with 1/4\n"))
    _check_session(Block("p", 1, "console", "$ mightnt explain pinsker\npinsker: Pinsker...\n...\n"))
    with pytest.raises(AssertionError, match="1 == 0"):
        _run_doctest(Block("p", 1, "python", ">>> 1 + 1\n3\n"), {})
