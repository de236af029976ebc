"""inbox: what comes in — channel accounts, customers, conversations, messages."""
