"""SAM: the manager chain, annual rounds, each chef's follow-up and the overview."""
