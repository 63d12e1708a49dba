"""Reusable test kit, shared by tests and benchmarks: fake Slack Web API, request signing, fake clock,
database helpers. Nothing here is used by the running bot."""
