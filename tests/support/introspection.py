"""A small OAuth 2 token introspection endpoint (RFC 7662) on 127.0.0.1 for the M4 tests: Dovecot's oauth2
passdb POSTs `token=...` to it and reads the JSON answer. One token is active (for `username`); any other is
`{"active": false}`, as a real authorization server answers for an expired or foreign token.

    with Introspection(token="ya29.good", username="ada") as endpoint:
        Dovecot(oauth2_introspection_url=endpoint.url)
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class Introspection:
    def __init__(self, token: str, username: str):
        self.token, self.username = token, username
        self.seen: list[str] = []  # the tokens asked about, in order

    def __enter__(self) -> Introspection:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
                token = (form.get("token") or [""])[0]
                endpoint.seen.append(token)
                answer = (
                    {"active": True, "username": endpoint.username} if token == endpoint.token else {"active": False}
                )
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet: pytest shows stderr of failing tests only
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/introspect"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
