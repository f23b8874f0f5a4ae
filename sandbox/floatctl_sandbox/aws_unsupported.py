"""Answer the AWS calls moto does not implement the way AWS answers a call it cannot serve.

moto has no IAM SimulatePrincipalPolicy: it fails with an HTML 500 that botocore cannot parse. Here the
call gets a well-formed IAM error (`NotImplemented`, HTTP 501), so preflight reports "cannot simulate
here" as it would for a caller without iam:SimulatePrincipalPolicy, instead of a parse error.
"""

from __future__ import annotations

import io
import urllib.parse
from typing import Any

UNSUPPORTED = {("iam", "SimulatePrincipalPolicy")}
_ERROR = (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
    "<Code>NotImplemented</Code><Message>the sandbox's moto does not implement {action}</Message>"
    "</Error><RequestId>sandbox</RequestId></ErrorResponse>"
)


class UnsupportedFront:
    """WSGI middleware in front of moto: a clean error for the query-protocol calls in UNSUPPORTED."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        service = _signing_service(environ.get("HTTP_AUTHORIZATION", ""))
        if environ.get("REQUEST_METHOD") == "POST" and any(s == service for s, _ in UNSUPPORTED):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            action = urllib.parse.parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
            if (service, action) in UNSUPPORTED:
                payload = _ERROR.format(action=action).encode()
                start_response(
                    "501 Not Implemented",
                    [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))],
                )
                return [payload]
        return self.app(environ, start_response)


def _signing_service(authorization: str) -> str:
    """The service of a SigV4 credential scope: Credential=AKID/20261202/us-east-1/iam/aws4_request."""
    scope = authorization.partition("Credential=")[2].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else ""
