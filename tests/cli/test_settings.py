"""The environment's settings (sahelwatch.settings): read again when a variable changes, invalid
values as sentences naming the variable, overrides that end with their block, and every
variable documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from sahelwatch import cli
from sahelwatch.errors import ConfigError
from sahelwatch.settings import ENV_PREFIX, Settings, overridden, secret, settings

ROOT = Path(__file__).parents[2]


def test_a_changed_variable_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAHELWATCH_STORE_WAIT", raising=False)
    assert settings().store_wait == 10.0
    monkeypatch.setenv("SAHELWATCH_STORE_WAIT", "2.5")
    assert settings().store_wait == 2.5
    assert settings() is settings()  # cached while the environment stays the same
    monkeypatch.setenv("SAHELWATCH_STORE_WAIT", "")  # empty: unset
    assert settings().store_wait == 10.0


def test_values_are_typed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAHELWATCH_API_KEYS", " key-one-0000000000, ,key-two-0000000000 ")
    monkeypatch.setenv("SAHELWATCH_DB", "~/stores/s.duckdb")
    monkeypatch.setenv("SAHELWATCH_DEBUG", "1")
    now = settings()
    assert now.api_keys == ("key-one-0000000000", "key-two-0000000000")
    assert now.db == Path.home() / "stores" / "s.duckdb"
    assert now.debug is True


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("SAHELWATCH_STORE_WAIT", "soon", "expected a number, got 'soon'"),
        ("SAHELWATCH_STORE_WAIT", "-1", "must be at least 0"),
        ("SAHELWATCH_MULTI_MONTH", "middle", "'middle' is not one of 'spread' or 'start'"),
        ("SAHELWATCH_DEBUG", "maybe", "expected true or false, got 'maybe'"),
    ],
)
def test_an_invalid_variable_is_a_sentence_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        settings()
    assert str(caught.value) == f"the environment variable {variable}: {words}."


def test_an_invalid_variable_stops_the_command_line_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAHELWATCH_STORE_WAIT", "soon")
    monkeypatch.setattr("sys.argv", ["sahelwatch", "status"])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 1
    assert capsys.readouterr().err == (
        "error: the environment variable SAHELWATCH_STORE_WAIT: expected a number, got 'soon'.\n"
    )


@pytest.mark.parametrize("argv", [["--help"], ["status", "--help"], ["forecast", "--help"]])
def test_help_is_shown_despite_an_invalid_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    monkeypatch.setenv("SAHELWATCH_STORE_WAIT", "soon")
    monkeypatch.setattr("sys.argv", ["sahelwatch", *argv])
    cli.main()  # returns (exit status 0) instead of stopping with the variable's error
    out = capsys.readouterr()
    assert "Usage:" in out.out and "Show this message and exit" in out.out and out.err == ""


def test_overrides_end_with_their_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHELWATCH_MULTI_MONTH", "start")
    with overridden(multi_month="spread", store_wait=1.0):
        with overridden(store_wait=2.0) as inner:
            assert (inner.multi_month, inner.store_wait) == ("spread", 2.0)
        assert settings().store_wait == 1.0
    assert (settings().multi_month, settings().store_wait) == ("start", 10.0)


def test_secrets_are_read_by_name() -> None:
    env = {"UCDP_API_TOKEN": "t0ken", "EMPTY": ""}
    assert secret("UCDP_API_TOKEN", env) == "t0ken"
    assert secret("EMPTY", env) is None
    assert secret("MISSING", env) is None
    assert secret(None, env) is None


def test_every_variable_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields]
    assert [n for n in names if f"`{n}`" not in readme] == []
    assert all(field.description for field in Settings.model_fields.values())
