"""Authoring: ``grader new NAME --from SOLUTION.ipynb`` writes an assignment folder.

From the instructor's solution notebook (``grader.authoring.solution``) and a run of its cells in the
sandbox (``grader.authoring.recording``):

* ``reference.py``: the graded functions, the helpers they use and their imports;
* ``recorded.data``: the arguments every test cell handed to a graded function (plain data),
  and those of each *variation* of it: the cell again with another seed, or with the sizes the
  author declares;
* ``cases.py``: one builder, ``recorded``, that returns a recorded call's arguments;
* ``spec.toml``: each graded function, its points, what it returns (named from its ``return``),
  what is compared (everything but caches), its public cases (the test cells' own calls) and
  hidden ones (the variations); its ``[authoring]`` table holds what ``new`` was told, so running
  it again over the folder re-records with the author's seeds, sizes and points;
* ``solution.ipynb`` (the release is made from it) and ``provided/`` (the modules beside the
  notebook that it imports).
"""
from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.runtime import codec
from grader.authoring.recording import Recorded, Variation, record, vary
from grader.authoring.solution import GradedDefinition, Solution, read_solution

DATA_FILE = "recorded.data"
DEFAULT_POINTS = 10
DEFAULT_SEEDS = (2, 3)

CASES_MODULE = '''"""The cases of this assignment, recorded by ``grader new`` from the solution notebook's test cells.

``recorded(reference, call=KEY)`` returns the arguments one call of a graded function received
(``recorded.data`` holds them as plain data: arrays, numbers, strings, lists, tuples, dicts).
More builders can be written here: ``NAME(reference, *, seed=1, ...) -> dict`` of the graded
function's arguments (see docs/authoring.md).
"""
from functools import lru_cache
from pathlib import Path

from grader.runtime import codec


@lru_cache(maxsize=1)
def _recorded() -> dict:
    return codec.decode((Path(__file__).resolve().parent / "recorded.data").read_bytes())


def recorded(reference, *, call):
    """The arguments of the recorded call ``call`` (a copy: the grader may keep them)."""
    return codec.decode(codec.encode(_recorded()[call]))
'''


class AuthoringError(Exception):
    """The assignment cannot be written; the message says why."""


@dataclass(frozen=True)
class AuthoredFunction:
    name: str
    points: float
    returns: tuple[str, ...]
    compare: tuple[str, ...]
    public: int
    hidden: int


@dataclass(frozen=True)
class Authored:
    folder: Path
    functions: tuple[AuthoredFunction, ...]
    reasons: tuple[str, ...]  # what could not be worked out, one line each
    notes: tuple[str, ...] = ()


def new_assignment(folder: Path, solution_path: Path, seeds: list[int] | None = None,
                   sizes: list[dict] | None = None) -> Authored:
    """Write the assignment folder ``folder`` from ``solution_path``. Seeds, sizes and points
    already declared in the folder's spec are kept unless ``seeds`` or ``sizes`` are given."""
    from grader.core.case_cache import case_cache_folder
    from grader.execution.sandbox import find_sandbox
    if not solution_path.is_file():
        raise AuthoringError(f"{solution_path}: no such file")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir()) and not (folder / "spec.toml").is_file()):
        raise AuthoringError(f"{folder} exists and is not an assignment folder (no spec.toml): "
                             f"name a new folder, or an assignment to write again")
    earlier = _earlier_spec(folder)
    declared = earlier.get("authoring", {})
    seeds = list(seeds if seeds is not None else declared.get("seeds", DEFAULT_SEEDS))
    sizes = list(sizes if sizes is not None else declared.get("sizes", []))
    points = {f.get("name"): f.get("points") for f in earlier.get("functions", []) if isinstance(f, dict)}
    solution = read_solution(solution_path)
    reasons = list(solution.reasons)
    variations = []
    for cell in solution.test_cells:
        if seeds and vary(cell.source, -1, {}) is None:
            reasons.append(f"cell {cell.cell} sets no seed (np.random.seed): no hidden case with another seed")
        variations += [Variation(f"cell {cell.cell}, seed {seed}", cell.cell, seed=seed) for seed in seeds
                       if vary(cell.source, seed, {}) is not None]
        for declared in sizes:
            if vary(cell.source, None, declared) is None:
                continue  # the cell assigns none of these names: they are another cell's sizes
            variations.append(Variation(f"cell {cell.cell}, {_sizes_text(declared)}", cell.cell, sizes=declared))
    if sizes and not any(v.sizes for v in variations):
        reasons.append(f"no test cell assigns {', '.join(sorted({n for s in sizes for n in s}))}: "
                       f"no hidden case with other sizes")
    sandbox, why = find_sandbox([case_cache_folder(), folder.resolve()], [solution_path.resolve().parent])
    notes = () if sandbox else (f"no sandbox ({why}): the notebook's cells ran with process isolation alone",)
    recorded = record([c for c in solution.cells], [g.name for g in solution.graded], variations,
                      solution_path.resolve().parent, sandbox)
    reasons += recorded.problems
    reference = _write_folder(folder, solution)
    data: dict[str, dict] = {}
    entries, functions = [], []
    for graded in solution.graded:
        entry = _function_entry(graded, solution, recorded, variations, reference, data, reasons,
                                points.get(graded.name) or DEFAULT_POINTS)
        if entry is None:
            continue
        entries.append(entry)
        public = sum(case.get("visibility") == "public" for case in entry["cases"])
        functions.append(AuthoredFunction(graded.name, entry["points"], graded.returns, tuple(entry["compare"]),
                                          public, len(entry["cases"]) - public))
    if not entries:
        raise AuthoringError(f"{solution_path}: no graded function has a case ({'; '.join(reasons)})")
    blob = codec.encode(data)
    (folder / DATA_FILE).write_bytes(blob)
    spec = _spec_text(folder.name, solution, entries, seeds, sizes, hashlib.sha256(blob).hexdigest(),
                      earlier)
    (folder / "spec.toml").write_text(spec, encoding="utf-8")
    return Authored(folder, tuple(functions), tuple(reasons), notes)


def _earlier_spec(folder: Path) -> dict:
    try:
        return tomllib.loads((folder / "spec.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AuthoringError(f"{folder / 'spec.toml'}: {error}") from None


def _write_folder(folder: Path, solution: Solution):
    """The reference, the case builder, the solution and the provided modules; the reference loaded."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "reference.py").write_text(solution.reference_source, encoding="utf-8")
        (folder / "cases.py").write_text(CASES_MODULE, encoding="utf-8")
        if solution.path.resolve() != (folder / "solution.ipynb").resolve():
            shutil.copyfile(solution.path, folder / "solution.ipynb")
        if solution.local_modules:
            (folder / "provided").mkdir(exist_ok=True)
            for module in solution.local_modules:
                if module.resolve() != (folder / "provided" / module.name).resolve():
                    shutil.copyfile(module, folder / "provided" / module.name)
    except OSError as error:
        raise AuthoringError(f"cannot write {folder}: {error}") from None
    spec = importlib.util.spec_from_file_location(f"_grader_new_reference_{folder.name}", folder / "reference.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001
        raise AuthoringError(f"{folder / 'reference.py'} cannot be loaded: {type(error).__name__}: {error}") from None
    return module


def _function_entry(graded: GradedDefinition, solution: Solution, recorded: Recorded, variations,
                    reference, data: dict, reasons: list[str], points) -> dict | None:
    cases, seen, repeats = [], {}, []
    public_keys = [f"cell {cell.cell}" for cell in solution.test_cells if graded.name in cell.uses]
    hidden_keys = [v.key for v in variations if f"cell {v.cell}" in public_keys]
    outputs = None
    for visibility, keys in (("public", public_keys), ("hidden", hidden_keys)):
        for key in keys:
            calls = [inputs for name, inputs in recorded.calls.get(key, []) if name == graded.name]
            for index, inputs in enumerate(calls, start=1):
                digest = hashlib.sha256(codec.encode(inputs)).hexdigest()
                case_name = key if len(calls) == 1 else f"{key}, call {index}"
                if digest in seen:
                    if visibility == "hidden" and seen[digest] == "public":
                        repeats.append(case_name)
                    continue
                try:
                    value = getattr(reference, graded.name)(**copy.deepcopy(inputs))
                except Exception as error:  # noqa: BLE001
                    reasons.append(f"{graded.name}: {case_name}: the reference raises "
                                   f"{type(error).__name__}: {error}: left out")
                    continue
                value = (value,) if graded.single else value
                if not isinstance(value, tuple) or len(value) != len(graded.returns):
                    reasons.append(f"{graded.name}: {case_name}: the reference does not return "
                                   f"{len(graded.returns)} values: left out")
                    continue
                seen[digest] = visibility
                outputs = outputs or value
                call = f"{graded.name}/{case_name}"
                data[call] = inputs
                cases.append({"name": case_name, "visibility": visibility, "about": _about(key, index, len(calls)),
                              "args": {"call": call}})
    if repeats:
        reasons.append(f"{graded.name}: {_listed(repeats)} {'gives' if len(repeats) == 1 else 'give'} the inputs "
                       f"of a public case again (a call whose inputs do not depend on the cell's seed or sizes, "
                       f"such as a test helper's own): left out")
    if not any(case["visibility"] == "public" for case in cases):
        reasons.append(f"{graded.name}: no test cell calls it (nor hands it to a test helper): no case, "
                       f"not graded; add a test cell, or write a case builder in cases.py")
        return None
    compare = [name for name, value in zip(graded.returns, outputs)
               if "cache" not in name.lower() and value is not None]
    if not compare:
        reasons.append(f"{graded.name}: returns only caches or None: nothing to compare, not graded")
        return None
    return {"name": graded.name, "section": graded.section, "points": points,
            "returns": graded.returns[0] if graded.single
            else list(graded.returns), "compare": compare, "builder": "recorded", "cases": cases}


def _about(key: str, index: int, count: int) -> str:
    call = f" (its call {index} of {count})" if count > 1 else ""
    if ", " not in key:
        return f"the notebook's test {key}{call}"
    cell, varied = key.split(", ", 1)
    return f"the notebook's test {cell} again with {varied}{call}"


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _sizes_text(sizes: dict) -> str:
    return ", ".join(f"{name}={value}" for name, value in sizes.items())


# --------------------------------------------------------------------------- spec.toml


def _spec_text(name: str, solution: Solution, entries: list[dict], seeds, sizes, digest: str,
               earlier: dict) -> str:
    lines = [f"# {solution.title}",
             "#",
             f"# Written by `grader new {name} --from {solution.path.name}`; see docs/authoring.md for every field.",
             "# Public cases are the notebook's own test cells; hidden ones are those cells again with",
             "# the seeds and sizes of [authoring]. Edit points, tolerances, seeds and sizes freely: running",
             "# `grader new` again over this folder keeps them and records the cases afresh.",
             "",
             f"name = {_toml(name)}",
             f"title = {_toml(solution.title)}",
             'reference = "reference.py"',
             'cases = "cases.py"',
             'provided = "provided"',
             f"ignored_imports = {_toml(list(solution.test_modules))}",
             f"reveal_hidden = {_toml(bool(earlier.get('reveal_hidden', False)))}",
             ""]
    defaults = {"rtol": 1e-6, "atol": 1e-8, "timeout": 5.0, "memory_mb": 1024, "output_kb": 1024}
    defaults.update({k: v for k, v in earlier.get("defaults", {}).items() if k in defaults})
    lines += ["[defaults]"] + [f"{key} = {_toml(value)}" for key, value in defaults.items()] + [""]
    if "environment" in earlier:
        lines += ["[environment]"] + [f"{k} = {_toml(v)}" for k, v in earlier["environment"].items()] + [""]
    else:
        lines += ["# [environment]            # the packages student code runs with (built once, cached)",
                  '# packages = ["numpy==1.26.4"]', ""]
    lines += ["[authoring]",
              'solution = "solution.ipynb"   # a copy of the notebook given to --from: the release is made from it',
              f"seeds = {_toml(list(seeds))}      # each test cell again with these seeds: hidden cases",
              f"sizes = {_toml(list(sizes))}      # e.g. [{{ m = 1 }}]: each test cell that assigns m, again with m = 1",
              f"recorded_sha256 = {_toml(digest)}",
              ""]
    earlier_functions = {f.get("name"): f for f in earlier.get("functions", []) if isinstance(f, dict)}
    for entry in entries:
        kept = {"section": entry["section"], **earlier_functions.get(entry["name"], {})}
        lines += ["[[functions]]", f"name = {_toml(entry['name'])}"]
        for key in ("section", "rtol", "atol", "expect_nonfinite"):
            if kept.get(key, "") != "":
                lines.append(f"{key} = {_toml(kept[key])}")
        lines += [f"points = {_toml(entry['points'])}",
                  f"returns = {_toml(entry['returns'])}",
                  f"compare = {_toml(entry['compare'])}",
                  f"builder = {_toml(entry['builder'])}",
                  "cases = ["]
        lines += [f"  {_toml(case)}," for case in entry["cases"]]
        lines += ["]", ""]
    return "\n".join(lines)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} in a spec")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def format_table(authored: Authored) -> str:
    """The functions, cases and points written, then a line per thing that could not be worked out."""
    rows = [("function", "points", "public", "hidden", "returns (compared)")]
    for f in authored.functions:
        returns = ", ".join(f"{name}" if name in f.compare else f"{name} (not compared)" for name in f.returns)
        rows.append((f.name, f"{f.points:g}", str(f.public), str(f.hidden), returns))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}  {row[4]}"
             for row in rows]
    total = sum(f.points for f in authored.functions)
    lines.append(f"{len(authored.functions)} graded function(s), {total:g} points, "
                 f"{sum(f.public for f in authored.functions)} public and "
                 f"{sum(f.hidden for f in authored.functions)} hidden cases; written to {authored.folder}/")
    lines += [f"could not work out: {reason}" for reason in authored.reasons]
    lines += [f"note: {note}" for note in authored.notes]
    return "\n".join(lines)
