"""Test fake of Slack: the Web API (``FakeSlack``) and a signed request driver (``SlackDriver``)."""

from .driver import SlackDriver, sign
from .server import FakeSlack
from .util import FakeClock

__all__ = ["FakeClock", "FakeSlack", "SlackDriver", "sign"]
