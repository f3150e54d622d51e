"""The code in the README, the tutorial, the engine page and the policy-language page runs, block after block, as
written; a block written as a doctest (``>>>``) also prints what it shows."""

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def _run_page(path: Path) -> tuple[int, str]:
    """Run the python blocks of a page in one namespace: (doctest failures, their report)."""
    blocks = _blocks(path)
    assert blocks, f"{path.name} has no python blocks"
    namespace: dict = {}
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for i, block in enumerate(blocks):
        if block.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(block, namespace, f"{path.name} block {i + 1}", str(path), 0)
            runner.run(test, out=report.append, clear_globs=False)
            namespace.update(test.globs)
        else:
            exec(compile(block, str(path), "exec"), namespace)
    return runner.failures, "".join(report)


@pytest.mark.parametrize("name", ["README.md", "docs/tutorial.md", "docs/engine.md", "docs/programs.md"])
def test_code_blocks_run(name):
    failures, report = _run_page(ROOT / name)
    assert failures == 0, report


def test_a_doctest_block_that_shows_the_wrong_output_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 1\n```\n\n```python\n>>> x + 1\n3\n```\n", encoding="utf-8")
    failures, report = _run_page(page)
    assert failures == 1 and "Expected:\n    3\nGot:\n    2" in report
