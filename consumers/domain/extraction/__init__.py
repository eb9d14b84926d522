"""Turn a raw portal page into clean article text and metadata."""

from consumers.domain.extraction.boilerplate import BoilerplateMemory
from consumers.domain.extraction.core import ExtractedPage, extract_page
from consumers.domain.extraction.errors import PageRejected

__all__ = ["BoilerplateMemory", "ExtractedPage", "PageRejected", "extract_page"]
