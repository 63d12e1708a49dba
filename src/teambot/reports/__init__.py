"""Reports: charts and PDFs (matplotlib), CSV exports and iCalendar feeds."""
