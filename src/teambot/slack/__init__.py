"""Slack transport: Bolt AsyncApp wiring, listeners, the Slack Messenger and the HTTP server."""
