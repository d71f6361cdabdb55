"""One TLS context for every HTTPS client Loket opens: Telegram's two, the biller's, the gateway's.

httpx makes a context for each client it builds and reads certifi's CA bundle into each one,
about 35 ms of start-up apiece. This one is made on first use, exactly as httpx makes its
default (certifi's CAs, verification on, SSL_CERT_FILE / SSL_CERT_DIR honoured), and shared:
an `ssl.SSLContext` may serve any number of connections and clients.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
