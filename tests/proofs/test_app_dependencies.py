"""The apps' allowed dependencies (pyproject.toml, [tool.importlinter]) hold, and nothing dodges
them with an import inside a function."""

import ast
import subprocess
import sys
from pathlib import Path

from tests.project import OUR_FOLDERS

ROOT = Path(__file__).resolve().parents[2]
# Every app of ours outside the platform (secondopinion/), read from the settings.
DOMAIN_APPS = set(OUR_FOLDERS) - {"secondopinion"}


def test_the_import_contracts_are_kept():
    """import-linter reads the layers from pyproject.toml and fails on any import across them
    (a cycle between two apps breaks a layer: one of its two imports goes upwards)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


PLATFORM_APPS = {"accounts", "audit", "notifications", "files"}


def _app_of(module: str) -> str:
    """The app a module belongs to: a top-level package, or one of the platform apps inside
    secondopinion/ (whose other modules are the composition root, one unit)."""
    parts = module.split(".")
    if parts[0] == "secondopinion" and len(parts) > 1 and parts[1] in PLATFORM_APPS:
        return ".".join(parts[:2])
    return parts[0]


def _function_level_imports_of_other_apps(path: Path) -> list[str]:
    app = _app_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                modules = [inner.module]
            elif isinstance(inner, ast.Import):
                modules = [alias.name for alias in inner.names]
            else:
                continue
            for module in modules:
                other = _app_of(module)
                if module.split(".")[0] in DOMAIN_APPS | {"secondopinion"} and other != app:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno} imports {module}")
    return found


def test_no_app_imports_another_inside_a_function():
    """An import inside a function hides a dependency from the contracts (a cycle in disguise).
    AppConfig.ready is where apps register with the ones below them, so it may."""
    offenders = [
        found
        for folder in OUR_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and path.name != "apps.py"
        for found in _function_level_imports_of_other_apps(path)
    ]
    assert offenders == []


def _models_of_other_apps_imported_at_run_time(path: Path) -> list[str]:
    app = _app_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
    tree = ast.parse(path.read_text(), filename=str(path))
    type_checking_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.level == 0
        and id(node) not in type_checking_only
        and (node.module or "").endswith(".models")
        and node.module.split(".")[0] in DOMAIN_APPS
        and _app_of(node.module) != app
    ]


def test_views_and_forms_import_no_other_apps_models():
    """A view or form asks another domain app's selectors and services (and its choices), never
    its models: the model stays that app's own to change. (The platform's User is everyone's.)"""
    offenders = [
        found
        for folder in OUR_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if path.stem.endswith(("views", "forms"))
        for found in _models_of_other_apps_imported_at_run_time(path)
    ]
    assert offenders == []


# Imports of our own modules that stay inside a function, each for a reason other than a cycle.
DEFERRED_ON_PURPOSE = {
    # Pillow is loaded by the first image read, not by every process that reads a PDF.
    "records/reading.py": {"images"},
    # The worker's app is made after the WSGI application, in the web process only.
    "secondopinion/wsgi.py": {"secondopinion.celery"},
    # The benchmark's seeding code is not part of the product (bench/ is not an app).
    "cases/management/commands/seed_scale.py": {"bench"},
}


def _function_level_imports_of_our_modules(path: Path) -> set[str]:
    """The modules of ours (relative, or under one of our folders or bench/) imported inside a
    function of `path`."""
    ours = set(OUR_FOLDERS) | {"bench"}
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if not isinstance(inner, ast.ImportFrom):
                continue
            if inner.level > 0:
                found |= {inner.module or alias.name for alias in inner.names}
            elif inner.module and inner.module.split(".")[0] in ours:
                found.add(inner.module)
    return found


def test_no_module_imports_one_of_ours_inside_a_function():
    """Not from its own app either: a services module that enqueues its tasks imports them at the
    top (`from . import tasks`), as the tasks module imports the services it runs; an import put
    inside a function to get round that would hide the cycle this test looks for."""
    found = {
        str(path.relative_to(ROOT)): modules
        for folder in OUR_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and path.name != "apps.py"
        if (modules := _function_level_imports_of_our_modules(path))
    }
    assert found == DEFERRED_ON_PURPOSE


MODULE_LINES = 600  # a module longer than this says its app holds two things (issue 15)


def test_no_module_of_ours_is_longer_than_a_reader_can_hold():
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in OUR_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert not long, f"modules over {MODULE_LINES} lines: split each by what it does: {long}"
