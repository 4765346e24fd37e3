"""Running student code isolated: the fork server, one watched process per graded function,
the bubblewrap sandbox, the reference worker for stand-in calls, the student environment.
"""
