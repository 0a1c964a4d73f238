"""A Celery worker for the fault drills, slowed down on purpose so that a test can kill it mid-job. Test-only: the
worker's bootstrap calls install(), which reads these variables (none of them is a production setting):

- SLOW_IMPORT_BATCH_SIZE: lines per import batch (production: 2000), so that a few hundred lines make several
  batches, each committed on its own;
- SLOW_IMPORT_BATCH_SECONDS: a pause after each batch's writes, inside its transaction (a kill there must lose
  that batch whole);
- SLOW_CERTIFICATE_SECONDS: a pause before each certificate's PDF is rendered."""

import os
import time


def install() -> None:
    import django

    django.setup()
    from cockpit.services import certificates
    from cohorts.services import imports

    if size := os.environ.get("SLOW_IMPORT_BATCH_SIZE"):
        imports.BATCH_SIZE = int(size)
    if pause := float(os.environ.get("SLOW_IMPORT_BATCH_SECONDS", "0")):
        decide_and_write = imports._Batch._decide_and_write

        def slow_decide_and_write(batch) -> None:
            decide_and_write(batch)
            time.sleep(pause)

        imports._Batch._decide_and_write = slow_decide_and_write
    if pause_per_pdf := float(os.environ.get("SLOW_CERTIFICATE_SECONDS", "0")):
        attach_pdf = certificates._attach_pdf

        def slow_attach_pdf(*args, **kwargs) -> None:
            time.sleep(pause_per_pdf)
            attach_pdf(*args, **kwargs)

        certificates._attach_pdf = slow_attach_pdf
