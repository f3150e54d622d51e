"""The code in the README, the tutorial and the engine page runs, block after block, as written."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("name", ["README.md", "docs/tutorial.md", "docs/engine.md"])
def test_code_blocks_run(name):
    blocks = _blocks(ROOT / name)
    assert blocks, f"{name} has no python blocks"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, f"{name}", "exec"), namespace)
