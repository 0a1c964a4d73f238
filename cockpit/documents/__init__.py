"""The cockpit's generated documents (proceedings, report for sponsors, certificates).

Pure builders over dataclasses (no database), on top of submissions.documents: the services fill the dataclasses.
"""
