"""Pure rules: no Slack, no SQL, no transport, no catalog. Time comes in as an argument or a Clock."""
