"""environment.yml (conda users) names the same packages with the same lower bounds as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: Extras that environment.yml must carry (benchmarks are optional and listed in its comment).
EXTRAS = ("test", "notebook")
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(>=\s*[0-9][^,;\s]*)?")


def _name(requirement: str) -> tuple[str, str | None]:
    m = _REQ.match(requirement)
    assert m, f"cannot parse requirement {requirement!r}"
    name = m.group(1).lower().replace("_", "-")
    bound = m.group(2).replace(" ", "") if m.group(2) else None
    return name, bound


def _pyproject() -> dict[str, str | None]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in EXTRAS:
        reqs += project["optional-dependencies"].get(extra, [])
    return dict(_name(r) for r in reqs)


def _environment() -> dict[str, str | None]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out: dict[str, str | None] = {}
    for dep in env["dependencies"]:
        for item in dep["pip"] if isinstance(dep, dict) else [dep]:
            name, bound = _name(item)
            if name not in ("python", "pip"):
                out[name] = bound
    return out


def test_parser_reads_names_and_bounds() -> None:
    assert _name("pandas>=2.2") == ("pandas", ">=2.2")
    assert _name("types-PyYAML>=6.0") == ("types-pyyaml", ">=6.0")
    assert _name("ruian-land[test]") == ("ruian-land", None)


def test_environment_has_every_dependency_with_the_same_lower_bound() -> None:
    py, env = _pyproject(), _environment()
    missing = sorted(set(py) - set(env))
    extra = sorted(set(env) - set(py))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml (dependencies or {EXTRAS} extras): {extra}"
    differ = {n: (py[n], env[n]) for n in py if py[n] != env[n]}
    assert not differ, f"lower bounds differ (pyproject, environment.yml): {differ}"


def test_every_dependency_has_a_lower_bound() -> None:
    unbounded = [n for n, bound in _pyproject().items() if bound is None]
    assert not unbounded, f"pin a lower bound (>=) for {unbounded}"
