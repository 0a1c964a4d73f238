"""An email backend for the integration tests: one file per email in EMAIL_FILE_PATH, slow on purpose
(SLOW_EMAIL_SECONDS per email, half before writing and half after) so that a test can kill a worker mid-batch.

Selected in a worker's environment with EMAIL_BACKEND=tests.integration.slow_email_backend.SlowFileBackend."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends import filebased


class SlowFileBackend(filebased.EmailBackend):
    def _get_filename(self) -> str:
        if self._fname is None:
            self._fname = str(Path(self.file_path) / f"{time.time_ns()}-{uuid.uuid4().hex}.eml")
        return self._fname

    def send_messages(self, email_messages) -> int:
        delay = float(os.environ.get("SLOW_EMAIL_SECONDS", "0.3"))
        sent = 0
        for message in email_messages:
            time.sleep(delay / 2)
            self._fname, self.stream = None, None  # one file per email
            sent += super().send_messages([message])
            time.sleep(delay / 2)
        return sent
