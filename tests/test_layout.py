"""The layout says the architecture: role packages under grader/, data flowing one way between
them, and no module too long to read in one sitting (docs/architecture.md)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parent.parent / "grader"
MAX_LINES = 400
PACKAGES = sorted(p.name for p in GRADER.iterdir() if (p / "__init__.py").is_file()) if GRADER.is_dir() else []

pytestmark = pytest.mark.skipif(not PACKAGES, reason="grader/ is still flat: the role packages come with the move")


def _modules() -> list[Path]:
    return sorted(path for path in GRADER.rglob("*.py") if "__pycache__" not in path.parts)


def _package(module: str) -> str | None:
    """The role package of a dotted name inside grader (grader.core.results -> core)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "grader" and parts[1] in PACKAGES else None


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every grader package this module imports (at the top or inside a function), with the line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(_package(alias.name), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "grader":
                found += [(_package(f"grader.{alias.name}"), node.lineno) for alias in node.names]
            else:
                found.append((_package(node.module), node.lineno))
    return [(package, line) for package, line in found if package]


def test_no_module_is_left_beside_the_packages():
    # grader.check (__init__), python -m grader (__main__) and what an assignment's mistakes.py
    # imports (hints) are names users write; everything else lives in a package
    flat = [path.name for path in GRADER.glob("*.py") if path.stem not in ("__init__", "__main__", "hints")]
    assert flat == [], f"modules outside a role package: {flat}"


def test_no_module_is_over_400_lines():
    long = {str(path.relative_to(GRADER.parent)): lines for path in _modules()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these by the ideas inside them: {long}"


def test_imports_between_packages_form_no_cycle():
    edges: dict[str, dict[str, list[str]]] = {package: {} for package in PACKAGES}
    for path in _modules():
        relative = path.relative_to(GRADER)
        if len(relative.parts) < 2:
            continue
        source = relative.parts[0]
        for target, line in _imports(path):
            if target != source:
                edges[source].setdefault(target, []).append(f"grader/{relative}:{line}")
    cycles = []
    state: dict[str, str] = {}

    def visit(package: str, trail: list[str]) -> None:
        state[package] = "open"
        for target in edges[package]:
            if state.get(target) == "open":
                loop = trail[trail.index(target):] + [package, target] if target in trail else [package, target]
                cycles.append(" -> ".join(loop) + "  (" + "; ".join(
                    f"{a}->{b}: {edges[a][b][0]}" for a, b in zip(loop, loop[1:])) + ")")
            elif target not in state:
                visit(target, trail + [package])
        state[package] = "done"

    for package in PACKAGES:
        if package not in state:
            visit(package, [])
    assert cycles == [], "imports between packages go both ways:\n" + "\n".join(cycles)
