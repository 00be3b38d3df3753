"""The message catalogs under locale/, read with GNU gettext's own tools (msgfmt, msgattrib):
which messages are not translated yet, and whether a catalog still matches the code."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from secondopinion.accounts.management.commands.makemessages import NOT_OUR_CODE
from tests.workers import ROOT

LOCALE = ROOT / "locale"
# Every language the service offers besides English, the language the code is written in.
TRANSLATED_LANGUAGES = ("es",)
# The catalogs of each language: the server's (templates, Python) and our scripts' (static/js,
# served by the accounts:javascript-catalog view).
DOMAINS = ("django", "djangojs")
GETTEXT = shutil.which("msgfmt") is not None and shutil.which("msgattrib") is not None
HOW_TO_GET_GETTEXT = "sudo apt-get install gettext (GNU gettext: msgfmt, msgattrib)"


def catalog(language: str, domain: str = "django") -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def _gettext(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, cwd=cwd, check=False
    )


def _msgids(po_text: str) -> list[str]:
    """The messages of a catalog written with --no-wrap (one line each), header left out."""
    return [m for m in re.findall(r'^msgid "(.*)"$', po_text, flags=re.MULTILINE) if m]


def unfinished_messages(po: Path) -> list[str]:
    """What keeps `po` from being complete: each untranslated or fuzzy message, a fuzzy header,
    and any error msgfmt --check finds (a placeholder the translation lost, say)."""
    problems = []
    check = _gettext("msgfmt", "--check", "-o", os.devnull, po)
    if check.returncode != 0:
        problems.append(f"msgfmt --check: {check.stderr.strip()}")
    untranslated = _gettext("msgattrib", "--untranslated", "--no-obsolete", "--no-wrap", po)
    problems += [f"untranslated: {m}" for m in _msgids(untranslated.stdout)]
    fuzzy = _gettext("msgattrib", "--only-fuzzy", "--no-obsolete", "--no-wrap", po)
    problems += [f"fuzzy: {m}" for m in _msgids(fuzzy.stdout)]
    if re.search(r'^#, fuzzy\nmsgid ""$', fuzzy.stdout, flags=re.MULTILINE):
        problems.append("fuzzy: the header")
    return problems


_NOT_COPIED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")


def fresh_catalog(
    language: str, work: Path, *, domain: str = "django", planted: dict[str, str] | None = None
) -> Path:
    """The catalog `makemessages` makes now from the code, from a copy of the committed one, in
    a copy of the project under `work` (its folders copied, its files linked: makemessages writes
    a temporary .py beside each template it reads, which must never appear in this checkout,
    where other tests read our code). `planted` adds files (relative path → text) to that copy,
    for the tests' own checks that a change to the code is seen."""
    tree = work / "project"
    tree.mkdir(parents=True)
    for entry in ROOT.iterdir():
        if entry.name in {"locale", ".git", *NOT_OUR_CODE}:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, tree / entry.name, symlinks=True, ignore=_NOT_COPIED)
        else:
            (tree / entry.name).symlink_to(entry)
    shutil.copytree(LOCALE, tree / "locale", ignore=shutil.ignore_patterns("*.mo"))
    for relative, text in (planted or {}).items():
        assert not (tree / Path(relative).parts[0]).is_symlink(), "plant in a folder of its own"
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_text(text)
    made = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            *("-l", language, "-d", domain, "--symlinks"),
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return tree / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


def messages_of(po: Path) -> set[str]:
    return set(_msgids(_gettext("msgattrib", "--no-obsolete", "--no-wrap", po).stdout))


def differences(committed: Path, fresh: Path) -> list[str]:
    """The messages the code marks that `committed` lacks, and those `committed` has that the
    code no longer marks (translations and fuzziness do not matter here)."""
    in_catalog, in_code = messages_of(committed), messages_of(fresh)
    return [f"in the code, missing from the catalog: {m}" for m in sorted(in_code - in_catalog)] + [
        f"in the catalog, no longer in the code: {m}" for m in sorted(in_catalog - in_code)
    ]


def compile_catalogs_if_stale() -> None:
    """Compile each catalog whose .mo is missing or older than it (make test and make run do it
    too; this is for a single test file run by hand). The .mo is written whole, then moved into
    place, so parallel test processes never read half of one."""
    if not GETTEXT:
        return
    for po in LOCALE.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        if _gettext("msgfmt", "--check", "-o", partial, po).returncode == 0:
            partial.replace(mo)
        else:
            partial.unlink(missing_ok=True)
