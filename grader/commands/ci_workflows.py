"""The GitHub Actions workflows ``grader ci --init`` writes: one that grades each pull request's
notebooks (``GRADE_WORKFLOW``) and one for GitHub Classroom's autograding (``CLASSROOM_WORKFLOW``),
with the paths they are written to. docs/github-actions.md shows the same texts.
"""
from __future__ import annotations

from pathlib import Path


WORKFLOW_PATH = Path(".github/workflows/grade.yml")
CLASSROOM_WORKFLOW_PATH = Path(".github/workflows/classroom.yml")


# --------------------------------------------------------------------------- --init

GRADE_WORKFLOW = """\
# Grade the notebooks each pull request changes, with notebook-grader's `grader ci`:
# a check that fails when a graded function fails, a job summary (score, functions, failures
# and hints), annotations on the line of each failing function in the diff, and JUnit XML.
# Written by `grader ci --init`.
name: Grade notebooks

on:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    env:
      # where pip installs the grader from: the package, a git URL or a path (edit to yours)
      GRADER: "notebook-grader @ git+https://github.com/OWNER/notebook-grader.git"
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the base branch too: grader ci grades what changed since it

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      - name: Install the sandbox for student code (bubblewrap)
        run: |
          sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap
          # Ubuntu 24.04 keeps unprivileged programs from making the namespaces bubblewrap needs
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true

      - name: Install the grader
        run: python -m pip install "$GRADER"

      - name: Grade the changed notebooks
        run: grader ci --junit grader-junit.xml

      - name: Keep the JUnit report
        if: ${{ !cancelled() }}
        uses: actions/upload-artifact@v4
        with:
          name: grader-junit
          path: grader-junit.xml
          if-no-files-found: ignore
"""

CLASSROOM_WORKFLOW = """\
# GitHub Classroom autograding with notebook-grader: every push is graded, and the points go
# to Classroom through its grading reporter (the base64 result `grader ci --classroom` writes).
# Written by `grader ci --init --classroom`.
name: Autograding Tests

on:
  - push
  - repository_dispatch

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    if: github.actor != 'github-classroom[bot]'
    env:
      # where pip installs the grader from: the package, a git URL or a path (edit to yours)
      GRADER: "notebook-grader @ git+https://github.com/OWNER/notebook-grader.git"
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      - name: Install the sandbox for student code (bubblewrap)
        run: |
          sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true

      - name: Install the grader
        run: python -m pip install "$GRADER"

      - name: Grade the notebook
        id: grader
        run: grader ci --all --classroom

      - name: Autograding Reporter
        if: ${{ !cancelled() }}
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          GRADER_RESULTS: "${{ steps.grader.outputs.result }}"
        with:
          runners: grader
"""
