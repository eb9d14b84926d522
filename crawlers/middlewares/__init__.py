"""Downloader middlewares: each shapes requests or responses for one reason."""
