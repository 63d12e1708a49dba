"""teambot: coordination bot for Danish early-intervention teams."""

__version__ = "0.1.0"
