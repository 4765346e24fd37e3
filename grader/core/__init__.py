"""The assignment and the submission as plain data: a notebook loaded, its graded code
extracted, the assignment's spec and cases, values compared, the results and verdicts.
"""
