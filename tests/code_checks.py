"""Reading the application's own code (not tests, not migrations): the checks that say where a
rule is written, e.g. that only one function assigns a status."""

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_NOT_APPLICATION = {".venv", "node_modules", "tests", "migrations"}


def application_files() -> Iterator[Path]:
    for path in ROOT.glob("*/**/*.py"):
        if not _NOT_APPLICATION.intersection(path.relative_to(ROOT).parts):
            yield path


def functions_assigning(attr: str, on: Callable[[str], bool]) -> list[str]:
    """`path:function` for every function that assigns `<name>.<attr> = …` (alone or in a
    tuple) where `on(name)` holds."""
    found = []
    for path in application_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for inner in ast.walk(node):
                for target in inner.targets if isinstance(inner, ast.Assign) else []:
                    for part in target.elts if isinstance(target, ast.Tuple) else [target]:
                        if (
                            isinstance(part, ast.Attribute)
                            and part.attr == attr
                            and isinstance(part.value, ast.Name)
                            and on(part.value.id)
                        ):
                            found.append(f"{path.relative_to(ROOT)}:{node.name}")
    return found
