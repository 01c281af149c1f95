"""The review workspace at /ui: server-rendered pages over the service's Workspace."""
