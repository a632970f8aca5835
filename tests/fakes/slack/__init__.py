"""Test fake of Slack: the Web API (``FakeSlack``) and a signed request driver (``SlackDriver``)."""

from .driver import SlackDriver, sign
from .server import FakeClock, FakeSlack

__all__ = ["FakeClock", "FakeSlack", "SlackDriver", "sign"]
