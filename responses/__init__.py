"""responses: what goes out — replies, signatures, canned responses, follow-ups."""
