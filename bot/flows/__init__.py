"""Flows in Slack: the engine's Slack port (``slack_port``) and turning what Slack sends into
trigger events (``triggers``, ``starting``). The engine itself is ``actions.flows``."""
