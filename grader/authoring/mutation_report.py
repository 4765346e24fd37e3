"""The mutation report as text (``format_report``) and as plain data for ``--json``
(``report_to_dict``): a table per function, survivors with their line and an input that tells them
apart, equivalent mutants with the reason, and the hint figures.
"""
from __future__ import annotations

from grader.authoring.mutants import MutantResult, MutationReport


# --------------------------------------------------------------------------- the report


def format_report(report: MutationReport, verbose: bool = False) -> str:
    """The report as text: a table per function, then every survivor with its line, the
    equivalent mutants with the reason, and the hint figures."""
    lines = [f"Mutation testing of {report.assignment}: {len(report.results)} mutants of "
             f"{len(report.functions)} functions in {report.seconds:.1f} s ({report.engine})", ""]
    header = f"{'function':<30} {'mutants':>7} {'killed':>7} {'survived':>8} {'equivalent':>10} {'kill rate':>9}"
    lines += [header, "-" * len(header)]
    for name in report.functions + [None]:
        total = [r for r in report.results if name in (None, r.mutant.function)]
        lines.append(f"{name or 'total':<30} {len(total):>7} {len(report.of('killed', name)):>7} "
                     f"{len(report.of('survived', name)):>8} {len(report.of('equivalent', name)):>10} "
                     f"{report.kill_rate(name):>8.1%}")
    survivors = report.of("survived")
    lines += ["", f"Survivors: {len(survivors)}" + (" (no case fails; add one that tells each apart)"
                                                      if survivors else "")]
    for result in survivors:
        lines += _describe(report, result, result.reason)
    equivalent = report.of("equivalent")
    lines += ["", f"Equivalent mutants: {len(equivalent)} (no input tells them from the reference)"]
    for result in equivalent:
        lines += _describe(report, result, result.reason)
    lines += [""] + _hint_lines(report)
    if verbose:
        lines += ["", "Killed by wrong values, without a confirmed hint (candidates for the catalogue):"]
        for result in report.by_value:
            if not result.confirmed_hint:
                lines += _describe(report, result, "fails: " + ", ".join(result.failed_cases))
        lines += ["", "Confirmed hints:"]
        for result in report.by_value:
            if result.confirmed_hint:
                mark = "" if not result.mutant.names else (" [names it]" if result.confirmed_named
                                                           else " [does not name it]")
                lines += _describe(report, result, f"hint{mark}: {result.confirmed_hint}")
    return "\n".join(lines)


def _hint_lines(report: MutationReport) -> list[str]:
    killed, by_value = report.of("killed"), report.by_value
    shapes = [r for r in killed if r.how == "shape"]
    nameable = [r for r in by_value if r.mutant.names]
    lines = [f"Hints: of {len(killed)} killed mutants, {len(by_value)} fail by wrong values, "
             f"{len(shapes)} by shapes or structure alone (the report says which) and "
             f"{len(killed) - len(by_value) - len(shapes)} by an error."]
    for title, hint, named in (("one case at a time (hints.explain, as grading calls it)", "hint", "named"),
                               ("confirmed on every case (hints.explain_cases)", "confirmed_hint",
                                "confirmed_named")):
        hinted = [r for r in by_value if getattr(r, hint)]
        right = [r for r in nameable if getattr(r, named)]
        lines += [f"  {title}:",
                  f"    a hint for {len(hinted)} of the {len(by_value)} ({_percent(len(hinted), len(by_value))}); "
                  f"the hint names the change made for {len(right)} of the {len(nameable)} whose change "
                  f"the catalogue has a name for ({_percent(len(right), len(nameable))})"]
    confirmed = [r for r in by_value if r.confirmed_hint]
    complete = [r for r in confirmed if r.confirmed_complete]
    lines.append(f"  of the confirmed hints, {len(complete)} ({_percent(len(complete), len(confirmed))}) "
                 f"reproduce every wrong output on every failing case; the rest explain some outputs")
    inconsistent = [r for r in by_value if not r.hint_consistent]
    if inconsistent or report.disagreements:
        lines.append(f"  in-process check: {len(report.disagreements)} verdicts and "
                     f"{len(inconsistent)} hints differ from the engine's")
    kinds: dict[str, int] = {}
    for result in confirmed:
        for kind in result.confirmed_kinds:
            kinds[kind] = kinds.get(kind, 0) + 1
    if kinds:
        lines.append("  confirmed hints by kind: " + ", ".join(
            f"{kind} {count}" for kind, count in sorted(kinds.items(), key=lambda item: -item[1])))
    return lines


def _describe(report: MutationReport, result: MutantResult, why: str) -> list[str]:
    mutant = result.mutant
    return [f"  {mutant.function}  {report.reference}:{mutant.line}  {mutant.operator}: {mutant.description}",
            f"      was: {mutant.original}",
            f"      now: {mutant.mutated}",
            f"      {why}"]


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


# --------------------------------------------------------------------------- the command


def report_to_dict(report: MutationReport) -> dict:
    """The report as plain data (for ``--json``): figures per function and every mutant."""
    functions = {}
    for name in report.functions:
        functions[name] = {"mutants": len([r for r in report.results if r.mutant.function == name]),
                           "killed": len(report.of("killed", name)), "survived": len(report.of("survived", name)),
                           "equivalent": len(report.of("equivalent", name)), "kill_rate": report.kill_rate(name)}
    return {
        "assignment": report.assignment, "reference": report.reference, "engine": report.engine,
        "seconds": round(report.seconds, 3), "kill_rate": report.kill_rate(), "functions": functions,
        "mutants": [{"function": r.mutant.function, "operator": r.mutant.operator,
                     "description": r.mutant.description, "line": r.mutant.line,
                     "original": r.mutant.original, "mutated": r.mutant.mutated, "verdict": r.verdict,
                     "failed_cases": list(r.failed_cases), "how": r.how, "hint": r.hint,
                     "confirmed_hint": r.confirmed_hint, "hint_kinds": list(r.confirmed_kinds),
                     "reason": r.reason} for r in report.results],
    }
