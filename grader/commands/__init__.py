"""The ways in: the grader command line and its course and authoring parts, grader ci for
GitHub Actions, check() in a notebook, the progress bar.
"""
