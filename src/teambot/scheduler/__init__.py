"""APScheduler wiring and jobs: plan (fill the outbox), dispatch (deliver due rows), nudges, digests."""
