"""Why a page cannot become an article."""


class PageRejected(Exception):
    """The page is not an article we can extract; `reason` is a short fixed label for metrics."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
