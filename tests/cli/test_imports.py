"""What the core install loads: importing SahelWatch, its command line, ``--help`` and
``status`` never load the libraries of the extras (LightGBM, FastAPI, WeasyPrint, Matplotlib),
and a command whose extra is missing says in one sentence which extra to install."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sahelwatch import Store, cli
from sahelwatch.errors import MissingExtra
from sahelwatch.extras import EXTRAS, needs

HEAVY = ("lightgbm", "fastapi", "weasyprint", "matplotlib")
PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def loaded_after(code: str) -> list[str]:
    """The libraries of :data:`HEAVY` in ``sys.modules`` after running ``code`` in a fresh
    interpreter."""
    probe = (
        f"{code}\nimport sys\n"
        f"print('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), done.stdout
    return [m for m in last.removeprefix("loaded:").split(",") if m]


def command(*args: str) -> str:
    """Code that runs ``sahelwatch ARGS`` as the console script does, failing on an error."""
    return (
        f"import sys\nsys.argv = ['sahelwatch', *{args!r}]\nfrom sahelwatch.cli import main\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code"
    )


@pytest.mark.parametrize(
    "code",
    ["import sahelwatch", "import sahelwatch.cli", command("--help"), command("status", "--help")],
)
def test_core_imports_load_no_extra(code: str) -> None:
    assert loaded_after(code) == []


def test_status_of_a_store_loads_no_extra(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    Store(path).close()
    assert loaded_after(command("status", "--db", str(path))) == []


def test_the_probe_sees_an_extra_loaded() -> None:
    # The web layer does load FastAPI: the probe above would see a heavy import.
    assert loaded_after("import sahelwatch.web") == ["fastapi"]


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    monkeypatch.setattr(sys, "argv", ["sahelwatch", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main()
    return stop.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("missing", "args", "message"),
    [
        ("scipy", ["evaluate", "--out", "report"],
         "the LightGBM models and backtests need the [forecast] extra "
         "(scipy is not installed): "
         "pip install 'sahelwatch[forecast]'"),
        ("fastapi", ["serve"],
         "the dashboard and the API need the [web] extra (fastapi is not installed): "
         "pip install 'sahelwatch[web]'"),
        ("fastapi", ["run"],
         "the dashboard and the API need the [web] extra (fastapi is not installed): "
         "pip install 'sahelwatch[web]'"),
        ("weasyprint", ["brief", "--country", "MLI"],
         "briefs need the [brief] extra (weasyprint is not installed): "
         "pip install 'sahelwatch[brief]'"),
    ],
)  # fmt: skip
def test_a_missing_extra_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    missing: str,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # as if not installed
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "never.duckdb"
    code, err = run_cli(monkeypatch, capsys, *args, "--db", str(db))
    assert (code, err) == (1, f"error: {message}\n")
    assert not db.exists()  # said before any work


def test_the_lightgbm_model_without_its_extra_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bundled_path: Path,
    tmp_path: Path,
) -> None:
    # The default models need no extra; the LightGBM model fails when it is fitted.
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    out = tmp_path / "x.parquet"
    args = ["forecast", "--model", "lgbm", "--horizons", "1", "--draws", "10", "--workers", "1"]
    code, err = run_cli(monkeypatch, capsys, *args, "--out", str(out), "--db", str(bundled_path))
    assert (code, err) == (
        1,
        "error: the LightGBM models and backtests need the [forecast] "
        "extra (lightgbm is not "
        "installed): pip install 'sahelwatch[forecast]'\n",
    )
    assert not out.exists()


def test_needs_turns_only_its_own_modules_into_missing_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    missing = r"\[forecast\] extra \(lightgbm is not installed\)"
    with pytest.raises(MissingExtra, match=missing), needs("forecast"):
        import lightgbm  # noqa: F401
    with pytest.raises(ModuleNotFoundError), needs("forecast"):
        import sahelwatch_no_such_module  # type: ignore[import-not-found]  # noqa: F401


def test_every_extra_is_declared_in_pyproject() -> None:
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS) <= set(declared)
    assert declared["all"] == [f"sahelwatch[{','.join(EXTRAS)}]"]
