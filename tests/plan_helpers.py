"""Test helpers for IK-plans: reading PDFs and page text, posting forms with CSRF."""

from __future__ import annotations

import html
import io
import re
import zipfile

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeeze(text: str) -> str:
    """Text without any whitespace, so line wrapping cannot hide or fake a match."""
    return re.sub(r"\s+", "", text)


def page_text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(body))


def csrf_from(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def hidden_fields(response) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, version, fingerprint), as a browser sends them."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", response.get_data(as_text=True)):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "next":
            fields.setdefault(name.group(1), html.unescape(value.group(1)) if value else "")
    return fields


def post_form(client, path: str, data: dict, **kwargs):
    """GET the form page, then POST its hidden fields with the data, as a browser would."""
    return client.post(path, data={**hidden_fields(client.get(path)), **data}, **kwargs)


def plan_table_text(response) -> str:
    """The text of the plan table alone (not the warnings or lists around it)."""
    body = response.get_data(as_text=True)
    start = body.find('<table class="table plan-table">')
    if start < 0:
        return ""
    end = body.find("</table>", start)
    text = re.sub(r"<[^>]+>", " ", body[start:end])
    return re.sub(r"\s+", " ", html.unescape(text))


def assess_year(unit, year: int):
    """Fastställ the unit's helår ISK-bedömning of the year, as closing its plan requires."""
    from datetime import date

    from isk.extensions import db
    from isk.models import AssessmentPeriod, Judgement
    from isk.services import assessment
    from isk.services.clock import frozen_today

    with frozen_today(date(year + 1, 3, 1)):
        item = assessment.create_assessment(unit, year, AssessmentPeriod.ANNUAL)
        assessment.update_assessment(item, assessment.AssessmentContent(
            Judgement.SUFFICIENT, "Tillräcklig enligt underlaget.",
            *(f"Kommentar till krav {letter}." for letter in "abcde")), None)
        assessment.adopt_assessment(item, date(year + 1, 2, 20), "N § 1", None)
    db.session.commit()
    return item


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip archive of the files (an XLSX is one), to build damaged or hostile workbooks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
