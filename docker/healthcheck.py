"""The container's health check: GET /api/health answers 200 with "status": "ok".

It reads the settings the server reads (HOST, PORT, AUTH_TOKEN, TLS_CERT), so the check keeps
working when the token is set or Spool serves HTTPS itself. Exit 0 = healthy, 1 = not.
"""
import json
import os
import ssl
import sys
import urllib.request


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    # A wildcard address is not one to connect to; its loopback twin answers on the same port.
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if os.environ.get("TLS_CERT") else "http"
    request = urllib.request.Request(f"{scheme}://{host}:{os.environ.get('PORT', '8000')}/api/health")
    if token := os.environ.get("AUTH_TOKEN"):
        request.add_header("Authorization", f"Bearer {token}")
    # The certificate names the public host, not the loopback address asked here.
    context = ssl._create_unverified_context() if scheme == "https" else None
    try:
        with urllib.request.urlopen(request, timeout=4, context=context) as response:
            status = json.load(response).get("status")
    except Exception as error:  # refused, timed out, 401, 5xx, not JSON: all mean unhealthy
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if status != "ok":
        print(f"unhealthy: status {status!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
