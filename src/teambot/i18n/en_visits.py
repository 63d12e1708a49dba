"""English messages for consultant visits, the årshjul and the småbørnscafé."""

MESSAGES: dict[str, str] = {}
