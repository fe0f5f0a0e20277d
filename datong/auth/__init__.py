"""Who may do what: API tokens with a role, password hashing, role checks."""
