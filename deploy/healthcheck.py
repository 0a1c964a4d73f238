"""Container health check: GET /healthz on this machine's gunicorn, as the reverse proxy would send it.

Exit 0 when it answers 200 (database and broker answer), 1 otherwise. Standard library only.
Sends the first ALLOWED_HOSTS name as Host and X-Forwarded-Proto: https, so that host validation and
the HTTPS redirect (DEBUG=False) let it through; needs BEHIND_HTTPS_PROXY=True when SECURE_SSL_REDIRECT is on.
"""

import http.client
import os
import sys


def main() -> int:
    hosts = [item.strip() for item in os.environ.get("ALLOWED_HOSTS", "").split(",") if item.strip()]
    host = next((item.lstrip(".") for item in hosts if item != "*"), "localhost")
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as error:
        print(f"healthz: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"healthz answered {status}", file=sys.stderr)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
