"""A whole course: its file of due dates and extensions, late penalties, the class overview's
course sections, grades for an LMS, similar code across submissions.
"""
