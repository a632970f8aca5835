"""Slack listeners by kind: commands/, views/, block_actions/, shortcuts/, events/.

Every listener module has a ``register(app)``; bot/listeners/registration.py lists them all.
"""
