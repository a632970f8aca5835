"""View submission listeners, one module per modal (registered in bot/listeners/registration.py)."""
