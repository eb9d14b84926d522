"""Watching portals: the pure policy core (when to poll, what changed, what to refetch)."""
