"""Composition root: the `newsingest` CLI, the embedded broker and the process wiring."""
