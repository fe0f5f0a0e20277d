"""Staff accounts: admins, marketers, store managers and clerks who sign in to the console."""
