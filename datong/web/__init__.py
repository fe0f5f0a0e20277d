"""The console: server-rendered pages for marketers and store clerks."""
