"""What the exercise tests share: every chapter's worked solutions, read from its `Solution NN.K` call-outs.

`SOLUTIONS[id]` is (chapter, code); `solved(id)` runs the code and returns the reader's answer it defines.
tests/test_exercises.py runs every solution and every wrong answer (its own, and the `WRONG` tables of the
tests/test_exercises_*.py files) through the checkers.
"""
import json, math, re
from pathlib import Path
import numpy as np

from dlnotes.exercises import EXERCISES

NBS = Path(__file__).resolve().parents[1] / "nbs"
_CALLOUT = re.compile(r'::: \{\.callout-tip collapse="true" title="Solution ([\d.a-z]+)"\}(.*?)\n:::', re.S)
_CODE = re.compile(r"```python\n(.*?)```", re.S)


def solutions():
    "Exercise id -> the code of its solution call-out, from every chapter's markdown cells."
    out = {}
    for nb in sorted(NBS.glob("*.ipynb")):
        for c in json.loads(nb.read_text())["cells"]:
            if c["cell_type"] != "markdown": continue
            for m in _CALLOUT.finditer("".join(c["source"])):
                assert m.group(1) not in out, f"two solutions for {m.group(1)}"
                out[m.group(1)] = (nb.stem, "\n".join(_CODE.findall(m.group(2))))
    return out


SOLUTIONS = solutions()


def solved(ex_id):
    "The reader's answer that the chapter's solution call-out defines."
    ex = EXERCISES[ex_id]
    chapter, code = SOLUTIONS[ex_id]
    ns = {"math": math, "np": np}
    exec(compile(code, f"<solution {ex_id}>", "exec"), ns)
    assert ex.name in ns, f"solution {ex_id} does not define {ex.name}"
    return ns[ex.name]
