"""The local console: slash commands from stdin, replies and sent messages on stdout."""
