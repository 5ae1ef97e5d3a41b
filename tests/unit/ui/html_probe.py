"""Read rendered HTML back as elements, so tests check structure, not substrings of markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list["Element"] = field(default_factory=list)

    def cells(self) -> list[str]:
        """The text of a table row's cells (``th`` and ``td``), in order."""
        return [c.text for c in self.children if c.tag in ("td", "th")]

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


@dataclass
class Parsed:
    elements: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and (cls is None or cls in e.classes)]


class _Collector(HTMLParser):
    VOID = {"meta", "input", "br", "img", "link", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()
        self.open: list[Element] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        element = self._add(tag, attrs)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self._add(tag, attrs)

    def _add(self, tag, attrs) -> Element:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.parsed.elements.append(element)
        if self.open:
            self.open[-1].children.append(element)
        return element

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        self.chunks.append(data)
        for element in self.open:
            element.text += data


def parse(html: str) -> Parsed:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    collector.parsed.text = "".join(collector.chunks)
    return collector.parsed
