"""Grading a batch: one submission from notebook to score, each distinct graded function run
once (its run kept and reused), the executors (local, Dask), the gradebook with the
instructor's adjustments and regrade diffs, routing to assignments.
"""
