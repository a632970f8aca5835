"""Global and message shortcut listeners (registered in bot/listeners/registration.py)."""
