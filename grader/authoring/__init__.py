"""An instructor's tools: a new assignment from a solution notebook, lint, mutation testing
of the cases, the release to students (handout, leak check, student bundle).
"""
