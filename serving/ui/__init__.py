"""The review workspace at /ui: server-rendered pages (Jinja templates, a signed session) over
the service's `serving.workspace`, with downloads rendered by `serving.batch.exports`. May import
`serving.workspace`, `serving.batch`, `serving.store`, `training` and `features`; never
`serving.api` or `serving.cli`.
"""
