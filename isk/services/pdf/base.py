"""What every ISK PDF shares: the embedded font, styles, escaping, and "Sida X av Y"."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate
from reportlab.platypus.paragraph import cleanBlockQuotedText

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARGIN = 15 * mm
INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4a5360")
LINE = colors.HexColor("#8a96a3")
HEADER_FILL = colors.HexColor("#e8ecf0")


class SubsetFont(TTFont):
    """DejaVu as reportlab embeds it, mapping a line's characters to the subset at C speed.

    reportlab's `splitString` looks up every character of every drawn line in a Python
    loop: a fifth of a long plan's print. Once a line's characters all have codes in the
    first subset (after a page or two, every character of Swedish text), the line is the
    same bytes by `str.translate`; anything else (a new character, another subset) goes
    through reportlab's own loop, which assigns the codes.
    """

    def splitString(self, text: Any, doc: Any, encoding: str = "utf-8") -> list[Any]:
        state = self.state.get(doc)
        if state is not None and text and isinstance(text, str):
            known = getattr(state, "isk_known", None)
            if known is None or state.isk_size != len(state.assignments):
                table = {code: n for code, n in state.assignments.items() if n < 256}
                if 32 in table:
                    table[0xA0] = table[32]  # reportlab prints a no-break space as a space
                known = state.isk_known = frozenset(map(chr, table))
                state.isk_table = table
                state.isk_size = len(state.assignments)
            if known.issuperset(text):
                return [(0, text.translate(state.isk_table).encode("latin-1"))]
        return super().splitString(text, doc, encoding)


@cache
def register_fonts() -> None:
    """Embed DejaVu Sans (vendored in isk/static/fonts): it prints å, ä, ö, – and •."""
    fonts = resources.files("isk").joinpath("static", "fonts")
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        with resources.as_file(fonts.joinpath(file)) as path:
            pdfmetrics.registerFont(SubsetFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                  boldItalic=FONT_BOLD)


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5, textColor=INK,
                          alignment=TA_LEFT, wordWrap=None)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5,
                                textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.8),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName=FONT_BOLD, fontSize=8.5,
                                    leading=10.8),
        "header": ParagraphStyle("header", parent=body, fontName=FONT_BOLD, fontSize=9,
                                 leading=11.5),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=16,
                                leading=20, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=11, leading=14,
                             spaceBefore=6, spaceAfter=3),
    }


class TextParagraph(Paragraph):
    """A Paragraph that remembers its last line breaking: wrapped again at the same width
    (reportlab's Table wraps every cell again to draw it), it is not broken into lines again.
    """

    _wrapped_width: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if availWidth == self._wrapped_width and "blPara" in self.__dict__:
            return self.width, self.height  # (Paragraph.split drops blPara to re-wrap)
        size = super().wrap(availWidth, availHeight)
        self._wrapped_width = availWidth
        return size


# Text the paragraph parser would make more than one fragment of: markup, entities, breaks.
_NEEDS_PARSER = re.compile(r"[&<>\n]")


@cache
def _fragment(style: str) -> Any:
    """The parser's fragment for plain text in a style, to copy for each plain text."""
    return Paragraph("x", styles()[style]).frags[0]


def text(value: object, style: str = "cell") -> Paragraph:
    """A paragraph of user text, escaped so that `<b>`, `&` or `<para>` print literally.

    Line breaks in the text are kept; long words may break so that nothing is clipped.
    Plain text (no markup characters, no line break: nearly every cell) skips reportlab's
    parser and gets the one fragment the parser would give it, so it prints the same.
    """
    raw = "" if value is None else str(value)
    if raw and not _NEEDS_PARSER.search(raw):
        cleaned = cleanBlockQuotedText(raw)
        if cleaned:
            fragment = _fragment(style).clone(text=cleaned, link=[], us_lines=[])
            return TextParagraph(cleaned, styles()[style], frags=[fragment])
    escaped = escape(raw).replace("\n", "<br/>")
    return TextParagraph(escaped, styles()[style])


def markup(value: str, style: str = "body") -> Paragraph:
    """A paragraph of our own markup (never user text)."""
    return Paragraph(value, styles()[style])


class NumberedCanvas(canvas.Canvas):
    """Defers page output so that each page can say "Sida X av Y"."""

    footer_left = ""
    page_label = "Sida %(page)d av %(pages)d"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab names it so
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        width, _height = self._pagesize
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED)
        self.drawString(MARGIN, 8 * mm, self.footer_left)
        label = self.page_label % {"page": self._pageNumber, "pages": total}
        self.drawRightString(width - MARGIN, 8 * mm, label)
        self.restoreState()


def render(
    story: Sequence[Flowable],
    *,
    title: str,
    footer: str,
    page_label: str,
    landscape_pages: bool = True,
    author: str = "ISK",
) -> bytes:
    """Lay out the story on A4 pages and return the PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    pagesize = landscape(A4) if landscape_pages else A4
    document = SimpleDocTemplate(
        buffer, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm, title=title, author=author,
        creator="ISK", lang="sv",
    )
    canvas_class = type(
        "DocumentCanvas", (NumberedCanvas,), {"footer_left": footer, "page_label": page_label}
    )
    document.build(list(story), canvasmaker=canvas_class)
    return buffer.getvalue()


def printed_at(moment: datetime) -> str:
    """The moment in Swedish time, as people read it on paper."""
    return moment.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")
