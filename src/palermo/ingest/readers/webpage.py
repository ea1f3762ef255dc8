"""Saved HTML pages (e.g. advertisements): visible text, title, links, meta description."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag

from palermo.ingest.readers._common import read_bytes, suffix
from palermo.ingest.readers.base import DocumentText, Page, ReadContext, ReadError, ReadOutput

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)
_BLANKS = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "iframe")


class HtmlReader:
    name = "html"

    def sniff(self, path: Path, head: bytes) -> bool:
        if suffix(path) in {".html", ".htm", ".xhtml"}:
            return True
        return suffix(path) in {"", ".txt"} and bool(_HTML_START.match(head[:2048]))

    def read(self, path: Path, context: ReadContext) -> ReadOutput:
        data = read_bytes(path)
        if b"\x00" in data[:4096]:
            raise ReadError(str(path), "not an HTML page: binary content")
        soup = BeautifulSoup(data, "html.parser")
        for tag in soup(list(_INVISIBLE_TAGS)):
            tag.decompose()
        title = soup.title.get_text(" ", strip=True) if soup.title else None
        links: list[dict[str, str]] = []
        for a in soup.find_all("a"):
            if isinstance(a, Tag) and a.get("href"):
                links.append({"href": str(a.get("href")), "text": a.get_text(" ", strip=True)})
        metadata: dict[str, Any] = {"locator": "page", "links": links}
        desc = soup.find("meta", attrs={"name": "description"})
        if isinstance(desc, Tag) and desc.get("content"):
            metadata["description"] = str(desc.get("content"))
        if soup.original_encoding:
            metadata["encoding"] = soup.original_encoding
        root = soup.body or soup
        text = root.get_text("\n")
        text = "\n".join(line.strip() for line in text.splitlines())
        text = _BLANKS.sub("\n\n", text).strip()
        if title and not text.startswith(title):
            text = f"{title}\n\n{text}"
        doc = DocumentText(
            media_type="text/html",
            title=title or path.name,
            pages=[Page(number=1, text=text)],
            metadata=metadata,
        )
        return ReadOutput(source_kind="document", document=doc)


reader = HtmlReader()
