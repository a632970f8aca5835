"""The HTTP session every Salesforce call goes through: keep-alive, timeouts, verified TLS.

TLS verification is never turned off; ``REQUESTS_CA_BUNDLE`` (read by requests) adds a CA.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

USER_AGENT = "sfbot/0.1 (+https://github.com/sfbot)"


class TimeoutSession(requests.Session):
    """A ``requests.Session`` with a default (connect, read) timeout on every request."""

    def __init__(self, connect_timeout: float = 5.0, read_timeout: float = 30.0) -> None:
        super().__init__()
        self.timeout = (connect_timeout, read_timeout)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        if kwargs.get("verify") is False:
            raise ValueError("TLS verification cannot be turned off")
        return super().request(method, url, *args, **kwargs)
