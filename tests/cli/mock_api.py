#!/usr/bin/env python3
"""A mock OpenAI-style chat completions API and static file server on
127.0.0.1 for tests/cli/hostapi_examples.sh (port chosen by the OS, written
to PORTFILE once listening).

  mock_api.py PORTFILE KEY LOGFILE [--tls CERT KEYFILE] [--www DIR]

POST /v1/chat/completions with "Authorization: Bearer KEY" answers
{"model":"mock-1","choices":[{"message":{"content":"echo: <last user message>"},...}]};
a wrong key answers 401 {"error":{"message":"invalid api key"}}. The request
bodies are appended to LOGFILE, one per line. GET /NAME serves DIR/NAME.
"""
import json
import os
import ssl
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        www = self.server.www
        name = os.path.basename(self.path)
        path = os.path.join(www, name) if www else None
        if not path or not os.path.isfile(path):
            self.reply(404, {"error": {"message": "not found"}})
            return
        with open(path, "rb") as f:
            self.reply(200, f.read())

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with open(self.server.logfile, "ab") as f:
            f.write(body + b"\n")
        if self.path != "/v1/chat/completions":
            self.reply(404, {"error": {"message": "no such route"}})
            return
        if self.headers.get("Authorization") != "Bearer " + self.server.key:
            self.reply(401, {"error": {"message": "invalid api key"}})
            return
        try:
            req = json.loads(body)
            prompt = [m for m in req["messages"] if m["role"] == "user"][-1]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            self.reply(400, {"error": {"message": "bad request body"}})
            return
        self.reply(200, {
            "id": "chatcmpl-1", "object": "chat.completion", "model": "mock-1",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "echo: " + prompt},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })


def main():
    portfile, key, logfile = sys.argv[1:4]
    rest = sys.argv[4:]
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    srv.key, srv.logfile, srv.www = key, logfile, None
    while rest:
        if rest[0] == "--tls":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(rest[1], rest[2])
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
            rest = rest[3:]
        elif rest[0] == "--www":
            srv.www = rest[1]
            rest = rest[2:]
        else:
            sys.exit("unknown argument " + rest[0])
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
