"""The baseline for bench/ack_latency.py: a Bolt app that only acks `/sf`, served the same way
as sfbot (Bolt's WSGI adapter on waitress). Run: python -m bench.bare_bolt_app PORT"""

from __future__ import annotations

import os
import sys

import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def main() -> None:
    port = int(sys.argv[1])
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        token_verification_enabled=False,
    )

    @app.command("/sf")
    def only_ack(ack: Ack) -> None:
        ack()

    waitress.serve(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=16)


if __name__ == "__main__":
    main()
