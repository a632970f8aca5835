"""Block action and options listeners (buttons, selects, type-ahead), registered in
bot/listeners/registration.py."""
