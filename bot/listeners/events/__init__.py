"""Events API listeners (registered in bot/listeners/registration.py)."""
