"""The application layer: one module per use case, between the adapters (Telegram handlers,
the Mini App's web endpoints, jobs, the CLI, bench/) and the domain and storage.

A flow takes plain values (user id, item id, option, now) and returns a typed result saying
what happened; the adapter turns that into Bot API calls or JSON. Flows know nothing of
`telegram`.
"""
