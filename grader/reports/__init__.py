"""What grading writes: the student page and the class overview (HTML, templates/), the
terminal table, results.json and grades.csv, Gradescope and JUnit, the notebook's check().
"""
