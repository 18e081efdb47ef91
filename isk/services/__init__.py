"""Domain services: they check rules, change data, flush and audit; callers commit once."""
