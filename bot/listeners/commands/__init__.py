"""The `/sf` command (``sf``: the dispatcher and the table of subcommands) and one module per
subcommand."""
