#!/usr/bin/env python3
"""token-server.py PORT KEY CERT: a registry token service (distribution
docs/spec/auth/token.md) for the tests. User `hull` / `secret` gets pull and
push on every repository; anonymous callers get pull on `public/*` only.
Tokens are RS256 JWTs signed with openssl(1), carrying the certificate in
x5c so the registry can check them against its rootcertbundle."""
import base64, json, os, subprocess, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORT, KEY, CERT = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LOG = os.environ.get("TOKEN_LOG")


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der():
    pem = open(CERT).read()
    body = "".join(l for l in pem.splitlines() if "CERTIFICATE" not in l)
    return body


def sign(claims):
    header = {"alg": "RS256", "typ": "JWT", "x5c": [cert_der()]}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing_input.encode(),
                         stdout=subprocess.PIPE, check=True).stdout
    return signing_input + "." + b64(sig)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        auth = self.headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
            if (u, p) != ("hull", "secret"):
                self.send_response(401)
                self.end_headers()
                return
            user = u
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            wanted = parts[2].split(",")
            if user:
                granted = wanted
            elif parts[1].startswith("public/"):
                granted = [a for a in wanted if a == "pull"]
            else:
                granted = []
            access.append({"type": "repository", "name": parts[1], "actions": granted})
        if LOG:
            with open(LOG, "a") as f:
                f.write("%s user=%s scope=%s\n" % (q.get("service", [""])[0], user, q.get("scope", [])))
        now = int(time.time())
        claims = {"iss": "hull-test-issuer", "sub": user or "", "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(now) + str(os.getpid()),
                  "access": access}
        token = sign(claims)
        body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
