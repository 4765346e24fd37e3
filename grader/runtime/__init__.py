"""What runs inside each student process: the child that calls one graded function, the
codec every value crosses in, the seccomp filter. Imports nothing else of the grader.
"""
