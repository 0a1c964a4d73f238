"""Import the online course's results: read a file, map its columns, clean each line, decide eligibility.

Pure Python, no database: `readers.open_table` streams the rows of a CSV or XLSX upload, `columns.guess_mapping`
proposes which column holds which field, `rows.clean_row` turns one line into a `CleanRow` or a `Rejection`, and
`eligibility.evaluate` says whether a clean row passes the edition's rule. Services, tasks and commands call these.
"""
