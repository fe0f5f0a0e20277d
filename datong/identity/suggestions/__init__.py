"""Probabilistic match suggestions: persons with no shared identifier who look like the same
customer (name, partial phone, birthday, address), scored with Splink and queued for an
admin to accept or reject. Nothing here merges on its own."""
