"""What a student is told beyond the verdict: hints that name a known mistake, and a
snippet that rebuilds a failing public case in their own notebook.
"""
