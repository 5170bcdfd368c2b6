"""The dashboard's JSDoc types of the API's answers against what the API answers.

``tsc --strict`` checks the dashboard's modules against their JSDoc typedefs; nothing else
checks the typedefs against the API. Here every typedef that names a route (``what /api/meta
says``) is checked, with the typedefs it refers to, against a real answer of that route on
the bundled store, as the dashboard asks for it: each property it declares is there (unless
optional) with a value of the declared type, ``null`` only where the type allows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from record_support import keep_evaluation

from sahelwatch.web import create_app
from sahelwatch.web.app import static_dir

pytest_plugins = ("web_support",)

# A typedef that names a route -> the request the dashboard makes and where in the answer the
# typed value lies ("features.0": the first feature).
ROUTES = {
    "Meta": ("/api/meta", ""),
    "Reference": ("/api/reference", ""),
    "Status": ("/api/status?country=432,439,436", ""),
    "Coverage": ("/api/coverage?country=432,439,436&period=2016-03..2026-02", ""),
    "MonthRow": ("/api/months?country=432&period=2025-01..2026-02", "months.0"),
    "EventFeature": ("/api/events?country=432&period=2026-02&format=geojson&fields=map",
                     "features.0"),
    "Runs": ("/api/forecasts/runs", ""),
    "Forecast": ("/api/forecasts?country=MLI&target=total&benchmarks=true", ""),
    "TrackRecord": ("/api/forecasts/track-record?country=MLI&target=total", ""),
    "FoodRow": ("/api/consequences/food?month=2022-04&country=MLI,BFA,NER", "rows.0"),
    "Pairs": ("/api/consequences/violence?country=MLI&country=BFA&country=NER", ""),
}
PRIMITIVES = {"string": str, "number": (int, float), "boolean": bool}
ANY = {"any", "unknown", "object"}


def _comments(text: str) -> Iterator[str]:
    for block in re.findall(r"/\*\*(.*?)\*/", text, re.S):
        yield " ".join(line.strip().lstrip("*").strip() for line in block.splitlines())


def _braced(text: str, start: int) -> tuple[str, int]:
    """The text inside the braces opening at ``start`` and the index after them."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i], i + 1
    raise ValueError(f"unbalanced braces in {text!r}")


def typedefs() -> dict[str, dict[str, Any]]:
    """Every typedef of the dashboard's modules, by module (``state`` for state.js): name ->
    type text, or for ``{object}`` typedefs a dict of property -> (type text, optional), with
    ``_about`` its description."""
    modules: dict[str, dict[str, Any]] = {}
    for path in sorted((static_dir() / "js").glob("*.js")):
        out = modules.setdefault(path.stem, {})
        for comment in _comments(path.read_text(encoding="utf-8")):
            at = comment.find("@typedef")
            while at >= 0:
                kind, end = _braced(comment, comment.index("{", at))
                name, _, rest = comment[end:].strip().partition(" ")
                nxt = comment.find("@typedef", end)
                body = comment[end : nxt if nxt >= 0 else len(comment)]
                if kind == "object":
                    props: dict[str, Any] = {"_about": rest.split("@")[0]}
                    for m in re.finditer(r"@property\s*", body):
                        ptype, after = _braced(body, m.end())
                        pname = body[after:].split()[0]
                        optional = pname.startswith("[")
                        props[pname.strip("[]")] = (ptype, optional)
                    out[name] = props
                else:
                    out[name] = kind
                at = nxt
    return modules


def typed_routes() -> dict[str, tuple[str, dict[str, Any]]]:
    """The typedefs whose description names a route: name -> (module, the typedef)."""
    return {name: (module, d) for module, defs in typedefs().items() for name, d in defs.items()
            if isinstance(d, dict) and "/api/" in d["_about"]}  # fmt: skip


def _split(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside brackets."""
    parts, depth, last = [], 0, 0
    for i, ch in enumerate(text):
        depth += 1 if ch in "{[(<" else -1 if ch in "}])>" else 0
        if ch == sep and depth == 0:
            parts.append(text[last:i].strip())
            last = i + 1
    return [*parts, text[last:].strip()]


Defs = tuple[str, dict[str, dict[str, Any]]]  # the module a type is written in, and all typedefs


def check(kind: str, value: Any, where: str, defs: Defs) -> list[str]:
    """What is wrong with ``value`` as a ``kind`` (JSDoc type text of the module ``defs[0]``)."""
    alternatives = _split(kind.strip(), "|")
    if value is None:
        ok = any(a in ("null", "undefined", *ANY) for a in alternatives)
        return [] if ok else [f"{where} is null; the dashboard's type {kind!r} does not allow it"]
    problems: list[str] = []
    for alt in (a for a in alternatives if a not in ("null", "undefined")):
        found = _check_one(alt, value, where, defs)
        if not found:
            return []
        problems = problems or found
    return problems


def _check_one(kind: str, value: Any, where: str, defs: Defs) -> list[str]:
    imported = re.match(r'^import\("\./(\w+)\.js"\)\.(\w+)$', kind)
    if imported:
        defs, kind = (imported[1], defs[1]), imported[2]
    if kind in ANY or kind.startswith(("Map<", "L.")):
        return []
    if kind.startswith('"'):
        return [] if value == kind.strip('"') else [f"{where} is {value!r}, not {kind}"]
    if kind in PRIMITIVES:
        wanted = PRIMITIVES[kind]
        good = isinstance(value, wanted) and not (kind == "number" and isinstance(value, bool))
        return [] if good else [f"{where} is {type(value).__name__} {value!r}, not a {kind}"]
    if kind.endswith("[]"):
        if not isinstance(value, list):
            return [f"{where} is {type(value).__name__}, not a list ({kind})"]
        return [p for i, v in enumerate(value[:3]) for p in check(kind[:-2], v, f"{where}[{i}]",
                                                                   defs)]  # fmt: skip
    if kind.startswith("Record<"):
        inner = _split(kind[len("Record<") : -1], ",")[1]
        if not isinstance(value, dict):
            return [f"{where} is {type(value).__name__}, not an object ({kind})"]
        items = list(value.items())[:5]
        return [p for k, v in items for p in check(inner, v, f"{where}.{k}", defs)]
    if kind.startswith("[") and kind.endswith("]"):
        members = _split(kind[1:-1], ",")
        if not isinstance(value, list) or len(value) != len(members):
            return [f"{where} is {value!r}, not a tuple {kind}"]
        return [p for i, (m, v) in enumerate(zip(members, value, strict=True))
                for p in check(m, v, f"{where}[{i}]", defs)]  # fmt: skip
    if kind.startswith("{"):
        props = {}
        for field in _split(kind[1:-1], ","):
            name, _, ptype = field.partition(":")
            props[name.strip().rstrip("?")] = (ptype, name.strip().endswith("?"))
        return _check_props(props, value, where, defs)
    if kind in defs[1][defs[0]]:
        declared = defs[1][defs[0]][kind]
        if isinstance(declared, str):
            return check(declared, value, where, defs)
        return _check_props({k: v for k, v in declared.items() if k != "_about"}, value, where,
                            defs)  # fmt: skip
    raise AssertionError(f"{where}: the test does not know the type {kind!r}")


def _check_props(props: dict[str, Any], value: Any, where: str, defs: Defs) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} is {type(value).__name__}, not an object"]
    problems = []
    for name, (ptype, optional) in props.items():
        if name not in value:
            if not optional:
                problems.append(f"{where} has no '{name}' (the dashboard reads it)")
            continue
        problems += check(ptype, value[name], f"{where}.{name}", defs)
    return problems


@pytest.fixture(scope="module")
def client(web_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The web store (forecasts stored) with a small real evaluation kept."""
    path, _ = keep_evaluation(web_db, tmp_path_factory.mktemp("types"))
    with TestClient(create_app(path, read_env=False)) as test_client:
        yield test_client


def test_every_typedef_naming_a_route_is_checked() -> None:
    """Each is checked itself or as a part of one that is (Release of Status)."""
    named = typed_routes()
    assert set(ROUTES) <= set(named)
    parts = {name for name in set(named) - set(ROUTES)
             if any(re.search(rf"\b{name}\b", str(named[top][1])) for top in ROUTES
                    if named[top][0] == named[name][0])}  # fmt: skip
    assert parts == set(named) - set(ROUTES) == {"ForecastRow", "Release", "ViolenceRow"}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_api_answers_as_the_dashboard_reads_it(client: TestClient, name: str) -> None:
    url, inside = ROUTES[name]
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    value = response.json()
    for step in filter(None, inside.split(".")):
        value = value[int(step)] if step.isdigit() else value[step]
    module = typed_routes()[name][0]
    assert check(name, value, name, (module, typedefs())) == []


def test_the_checker_finds_what_is_wrong() -> None:
    defs = ("state", typedefs())
    row = {"month": "2026-02", "state": "located", "events": None, "totals_best": 3,
           "totals_events": 1, "totals_family": None, "countries": 1, "countries_totals": 1}
    assert check("MonthRow", row, "r", defs) == []
    assert check("MonthRow", {**row, "countries": None}, "r", defs) == [
        "r.countries is null; the dashboard's type 'number' does not allow it"]
    assert check("MonthRow", {k: v for k, v in row.items() if k != "state"}, "r", defs) == [
        "r has no 'state' (the dashboard reads it)"]
    runs = {"runs": [{"origin": "2026-02", "model_version": "x", "level": 1, "benchmark": True}]}
    assert check("Runs", runs, "x", ("forecasts", defs[1])) == [
        "x.runs[0].level is int 1, not a string"]  # fmt: skip
