"""Checks of our own for the schemathesis run (test_attack_schemathesis.py), loaded through
SCHEMATHESIS_HOOKS: what the HTTP layer guarantees for every response."""
import json

import schemathesis


@schemathesis.check
def json_error_shape(ctx, response, case):
    """Every error, from a handler or from the server itself, is `{"error": {"code", "message"}}`
    in JSON; a 500 says nothing but "internal error" and the request id it was logged under."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code} answered as {content_type!r}"
    if response.request.method == "HEAD":
        return None  # no body, by definition
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.content[:200]!r}") from error
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str), \
        f"{response.status_code} body is not the error shape: {body!r}"
    if response.status_code == 500:
        assert error["message"] == "internal error" and error.get("request_id"), body
    return None
