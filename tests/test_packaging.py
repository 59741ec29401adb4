"""The wheel works on its own: ``pip install .`` gives a working ``taskcli db upgrade``.

The migration scripts live in the top-level ``migrations/`` folder of the
repository and must ship inside the wheel (SPEC). An editable install or the
checkout on ``sys.path`` would hide their absence, so this test builds a
wheel from a copy of the checkout, installs it into a new virtual environment
and runs the installed ``taskcli`` from a directory where the checkout is not
importable. Dependencies come from the current environment (no download of
them); building the wheel may fetch the build backend, as ``pip install .`` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from support import REPO_ROOT

from taskcli.db.schema import SCHEMA_HEAD

TIMEOUT = 300
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
)
GENERATED = {REPO_ROOT / "bench" / "data", REPO_ROOT / "bench" / "results"}


def not_source(directory: str, names: list[str]) -> set[str]:
    """Caches, build output and generated benchmark data stay out of the copy."""
    ignored = set(NOT_SOURCE(directory, names))
    return ignored | {name for name in names if Path(directory, name) in GENERATED}


def run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; fail the test with its output if it fails."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (args, result.returncode, result.stdout, result.stderr)
    return result.stdout


@pytest.mark.slow
def test_wheel_ships_migrations_and_works(tmp_path: Path) -> None:
    """Build, install into a fresh venv, then ``db upgrade``, ``db current`` and ``add``."""
    source = tmp_path / "source"
    shutil.copytree(REPO_ROOT, source, ignore=not_source)
    wheels = tmp_path / "wheels"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        cwd=tmp_path,
    )
    [wheel] = wheels.glob("taskcli-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    site_packages = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp_path,
        ).strip()
    )
    # The dependencies: this environment's site-packages, after the venv's own.
    # (A plain path line: the .pth files in there, e.g. an editable taskcli, are not run.)
    here = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site_packages / "test-dependencies.pth").write_text("\n".join(here) + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            # An installed taskcli among the borrowed dependencies (CI's own
            # `pip install .`) must not count as "already satisfied".
            "--ignore-installed",
            "-q",
            str(wheel),
        ],
        cwd=tmp_path,
    )

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    location = run(
        [str(python), "-c", "import taskcli.migrations as m; print(m.__file__)"],
        cwd=workdir,
        env=env,
    ).strip()
    assert Path(location).is_relative_to(site_packages), location
    assert (Path(location).parent / "versions" / "0001_initial_schema.py").is_file()

    taskcli = str(venv / "bin" / "taskcli")
    database = f"sqlite:///{tmp_path / 'w.db'}"
    run([taskcli, "--db", database, "db", "upgrade"], cwd=workdir, env=env)
    current = run([taskcli, "--db", database, "db", "current"], cwd=workdir, env=env)
    assert current == f"{SCHEMA_HEAD} (head)\n"
    added = run([taskcli, "--db", database, "add", "x"], cwd=workdir, env=env)
    assert added == "Created task 1: x\n"

    # Inside a checkout (as CI runs), `python -m taskcli` imports the source
    # tree's taskcli, which has no taskcli.migrations: the revisions must
    # still import, and the scripts come from the checkout's migrations/.
    in_checkout = f"sqlite:///{tmp_path / 'c.db'}"
    added = run(
        [str(python), "-m", "taskcli", "--db", in_checkout, "add", "y"], cwd=source, env=env
    )
    assert added == "Created task 1: y\n"
    assert not (tmp_path / "xdg-data").exists()


def test_every_package_is_listed_for_the_wheel() -> None:
    """A new ``taskcli/<package>`` missing from pyproject's list would be absent when installed."""
    import tomllib

    listed = set(
        tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(REPO_ROOT).parts)
        for init in (REPO_ROOT / "taskcli").rglob("__init__.py")
    }
    assert found <= listed
