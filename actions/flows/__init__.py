"""Action flows: automations that chain sfbot's actions, started by Slack events and schedules.

Slack-agnostic (never imports slack): Slack is reached through ``actions.flows.ports.FlowSlack``.
Entry points: ``actions.flows.engine.FlowEngine`` (start, resume, expire_asks) and
``actions.flows.loader`` (flow files).
"""
