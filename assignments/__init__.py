"""Assignments bundled with the grader: one folder each, holding spec.toml and its case builders."""
