"""Search: plans, risks, åtgärder, controls, kontrollutfall and SAM follow-ups, in Swedish.

The database searches. PostgreSQL matches `to_tsvector('swedish', document)` against a
`to_tsquery('swedish', …)` of the words (GIN indexes, see documents.py) and marks the matches
with `ts_headline`; SQLite matches its FTS5 table `search_fts` and marks them with `snippet`.
Every word must match, as a prefix of a word in the text after Swedish stemming ("faktur"
finds "fakturor", "fakturorna" finds "fakturan"'s stem "faktur"): PostgreSQL stems itself, on
SQLite the stem comes from swedish.py.

Results are limited to what the user may read by the same rules as the pages
(`permissions.readable_plans`, `permissions.readable_follow_ups`) and grouped by kind.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Select, case, column, func, literal_column, select, table
from sqlalchemy.orm import aliased

from ... import permissions
from ...extensions import db
from ...models import (
    Action,
    Control,
    ControlResult,
    OrgUnit,
    Plan,
    ProcessArea,
    Risk,
    SamAnswer,
    SamFollowUp,
    SamReturn,
    SamRound,
    User,
)
from ..errors import DomainError
from ..text import shorten
from . import documents
from .documents import Document
from .swedish import STOP_WORDS, stem

MAX_QUERY_LENGTH = 200
WHOLE_TEXT = 400  # characters: a text this short is shown whole, longer ones as fragments
MAX_WORDS = 8
GROUP_SIZE = 10
PAGE_SIZE = 50
# Private-use characters mark a match in the database's snippet; escaped text never holds them.
MARK_START, MARK_END = "\ue000", "\ue001"
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)
WORD = re.compile(r"[^\W_]+")  # letters and digits: nothing that means something to a parser
SEARCH_FTS = table("search_fts", column("ref"), column("kind"), column("rank"))


class SearchError(DomainError):
    """The query cannot be searched for (too long, no words)."""


class Kind(enum.Enum):
    PLAN = "planer", _l("Internkontrollplaner")
    RISK = "risker", _l("Risker")
    ACTION = "atgarder", _l("Åtgärder")
    CONTROL = "kontroller", _l("Kontroller")
    RESULT = "kontrollutfall", _l("Kontrollutfall")
    SAM = "sam", _l("SAM-uppföljningar")

    def __init__(self, slug: str, label: Any) -> None:
        self.slug = slug
        self._label = label

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def from_slug(cls, slug: str | None) -> Kind | None:
        return next((kind for kind in cls if kind.slug == slug), None)


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    snippet: Markup
    context: str


@dataclass
class Group:
    kind: Kind
    hits: list[Hit] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.words)

    def postgresql(self) -> str:
        """For to_tsquery('swedish', …): each word a prefix, all required. Only \\w characters
        reach it, so nothing in the text is tsquery syntax."""
        return " & ".join(f"{word}:*" for word in self.words)

    def sqlite(self) -> str:
        """For FTS5 MATCH: each word's Swedish stem as a quoted prefix, all required."""
        return " ".join(f'"{stem(word)}"*' for word in self.words)


def parse(text: str) -> Query:
    """The words to search for: no stop words (och, att, för …), none of a single letter."""
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchError(_("Sökningen får vara högst %(max)d tecken.", max=MAX_QUERY_LENGTH))
    words = [word for word in WORD.findall(text.lower())
             if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())]
    return Query(tuple(dict.fromkeys(words))[:MAX_WORDS])


def highlighted(snippet: str | None) -> Markup:
    """The database's snippet, escaped, with its match marks as <mark>."""
    parts = _MARKED.split((snippet or "").strip())
    # split() alternates text outside the marks with text inside them; a stray mark is dropped.
    return Markup("").join(
        Markup("<mark>{}</mark>").format(_unmarked(part)) if index % 2 else escape(_unmarked(part))
        for index, part in enumerate(parts)
    )


def _unmarked(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")


# --- matching, per database ------------------------------------------------------------------


class _Matcher:
    """The match condition, the marked snippet and the ordering for one kind of document."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.postgresql = db.engine.dialect.name == "postgresql"

    def apply(self, statement: Select[Any], document: Document, key: Any,
              ) -> tuple[Select[Any], ColumnElement[str], ColumnElement[Any]]:
        """The statement limited to matching rows, with (snippet, rank) to select."""
        if self.postgresql:
            tsquery = func.to_tsquery(literal_column("'swedish'"), self.query.postgresql())
            marks = f'StartSel="{MARK_START}", StopSel="{MARK_END}", '
            # A short text (a risk, an åtgärd) is shown whole; a long one as its best fragments.
            snippet = case(
                (func.length(document.expression()) <= WHOLE_TEXT, func.ts_headline(
                    literal_column("'swedish'"), document.expression(), tsquery,
                    marks + "HighlightAll=true")),
                else_=func.ts_headline(
                    literal_column("'swedish'"), document.expression(), tsquery,
                    marks + 'MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "'),
            )
            rank = -func.ts_rank(document.tsvector(), tsquery)
            return statement.where(document.tsvector().op("@@")(tsquery)), snippet, rank
        fts = (
            select(
                SEARCH_FTS.c.ref,
                func.snippet(literal_column("search_fts"), 2, MARK_START, MARK_END, "…", 64)
                .label("snippet"),
                SEARCH_FTS.c.rank,
            )
            .where(literal_column("search_fts").op("MATCH")(self.query.sqlite()),
                   SEARCH_FTS.c.kind == document.kind)
            .subquery()
        )
        return statement.join(fts, fts.c.ref == key), fts.c.snippet, fts.c.rank


def _page(statement: Select[Any], rank: ColumnElement[Any], *order: Any,
          limit: int, offset: int) -> Select[Any]:
    return (
        statement.add_columns(func.count().over().label("total"))
        .order_by(*order, rank)
        .limit(limit)
        .offset(offset)
    )


def _matched(statement: Select[Any], matcher: _Matcher, document: Document, key: Any,
             *order: Any, limit: int, offset: int) -> list[Any]:
    """One kind's page of matches with its snippet and the total, newest plans first."""
    statement, snippet, rank = matcher.apply(statement, document, key)
    return db.session.execute(
        _page(statement.add_columns(snippet.label("snippet")), rank,
              *(order or (Plan.year.desc(), OrgUnit.path)), limit=limit, offset=offset)
    ).all()


def _plan_title(year: int, unit: str) -> str:
    return _("Internkontrollplan %(year)s – %(unit)s", year=year, unit=unit)


# --- one query per kind ------------------------------------------------------------------------


def _plans(user: User, matcher: _Matcher, limit: int, offset: int) -> Group:
    statement = (
        select(Plan.id, Plan.year, OrgUnit.name.label("unit"))
        .join(Plan.org_unit)
        .where(Plan.archived_at.is_(None), permissions.readable_plans(user))
    )
    rows = _matched(statement, matcher, documents.PLAN, Plan.id, limit=limit, offset=offset)
    group = Group(Kind.PLAN, total=rows[0].total if rows else 0)
    for row in rows:
        title = _plan_title(row.year, row.unit)
        group.hits.append(Hit(title, url_for("plans.show", plan_id=row.id),
                              highlighted(row.snippet), ""))
    return group


def _in_plan(statement: Select[Any]) -> Select[Any]:
    return statement.where(Plan.archived_at.is_(None), ProcessArea.archived_at.is_(None),
                           Risk.archived_at.is_(None))


def _plan_rows(kind: Kind, statement: Select[Any], matcher: _Matcher, document: Any,
               id_column: Any, anchor: str, limit: int, offset: int) -> Group:
    """Risks and åtgärder: hits that link to their row in the plan, with its verksamhet."""
    rows = _matched(_in_plan(statement), matcher, document, id_column, limit=limit, offset=offset)
    group = Group(kind, total=rows[0].total if rows else 0)
    for row in rows:
        url = url_for("plans.show", plan_id=row.plan_id, _anchor=f"{anchor}-{row.id}")
        group.hits.append(Hit(_plan_title(row.year, row.unit), url, highlighted(row.snippet),
                              row.area))
    return group


_PLAN_ROW_COLUMNS = (Plan.id.label("plan_id"), Plan.year, OrgUnit.name.label("unit"),
                     ProcessArea.name.label("area"))


def _risks(user: User, matcher: _Matcher, limit: int, offset: int) -> Group:
    statement = (
        select(Risk.id, *_PLAN_ROW_COLUMNS)
        .join(Risk.process_area).join(ProcessArea.plan).join(Plan.org_unit)
        .where(permissions.readable_plans(user))
    )
    return _plan_rows(Kind.RISK, statement, matcher, documents.RISK, Risk.id, "risk",
                      limit, offset)


def _actions(user: User, matcher: _Matcher, limit: int, offset: int) -> Group:
    statement = (
        select(Action.id, *_PLAN_ROW_COLUMNS)
        .join(Action.risk).join(Risk.process_area).join(ProcessArea.plan).join(Plan.org_unit)
        .where(Action.archived_at.is_(None), permissions.readable_plans(user))
    )
    return _plan_rows(Kind.ACTION, statement, matcher, documents.ACTION, Action.id, "action",
                      limit, offset)


def _controls(user: User, matcher: _Matcher, limit: int, offset: int) -> Group:
    statement = (
        select(Control.id, Control.description, Plan.id.label("plan_id"), Plan.year,
               OrgUnit.name.label("unit"))
        .join(Control.plan).join(Plan.org_unit)
        .where(Control.archived_at.is_(None), Plan.archived_at.is_(None),
               permissions.readable_plans(user))
    )
    rows = _matched(statement, matcher, documents.CONTROL, Control.id, limit=limit, offset=offset)
    group = Group(Kind.CONTROL, total=rows[0].total if rows else 0)
    for row in rows:
        url = url_for("controls.show", plan_id=row.plan_id, control_id=row.id)
        group.hits.append(Hit(shorten(row.description, 90), url, highlighted(row.snippet),
                              _plan_title(row.year, row.unit)))
    return group


def _results(user: User, matcher: _Matcher, limit: int, offset: int) -> Group:
    statement = (
        select(ControlResult.id, ControlResult.performed_text, Control.id.label("control_id"),
               Control.description, Plan.id.label("plan_id"), Plan.year,
               OrgUnit.name.label("unit"))
        .join(ControlResult.control).join(Control.plan).join(Plan.org_unit)
        .where(ControlResult.archived_at.is_(None), Control.archived_at.is_(None),
               Plan.archived_at.is_(None), permissions.readable_plans(user))
    )
    rows = _matched(statement, matcher, documents.CONTROL_RESULT, ControlResult.id,
                    Plan.year.desc(), ControlResult.performed_end.desc(), ControlResult.id.desc(),
                    limit=limit, offset=offset)
    group = Group(Kind.RESULT, total=rows[0].total if rows else 0)
    for row in rows:
        url = url_for("controls.show", plan_id=row.plan_id, control_id=row.control_id,
                      _anchor=f"result-{row.id}")
        title = _("Kontrollutfall %(when)s – %(control)s", when=row.performed_text,
                  control=shorten(row.description, 70))
        group.hits.append(Hit(title, url, highlighted(row.snippet),
                              _plan_title(row.year, row.unit)))
    return group


def _sam(user: User, matcher: _Matcher, limit: int, offset: int) -> Group:
    """Follow-ups matched by their answers' comments, their returned tasks or the comment
    they were sent back with: one hit per follow-up, with its best snippet."""
    manager = aliased(User)

    def matching(document: Document, key: Any, joins: Callable[[Select[Any]], Select[Any]],
                 ) -> Any:
        statement = joins(
            select(SamFollowUp.id.label("follow_up_id"), SamRound.year.label("year"),
                   manager.name.label("manager"), OrgUnit.name.label("unit"),
                   OrgUnit.path.label("path"))
        )
        statement = (
            statement.join(SamFollowUp.round).join(SamFollowUp.org_unit)
            .join(manager, SamFollowUp.manager)
            .where(SamRound.archived_at.is_(None), permissions.readable_follow_ups(user))
        )
        statement, snippet, rank = matcher.apply(statement, document, key)
        return statement.add_columns(snippet.label("snippet"), rank.label("rank"))

    parts = [
        matching(documents.SAM_FOLLOW_UP, SamFollowUp.id,
                 lambda s: s.select_from(SamFollowUp)),
        matching(documents.SAM_ANSWER, SamAnswer.id,
                 lambda s: s.select_from(SamAnswer).join(SamAnswer.follow_up)),
        matching(documents.SAM_RETURN, SamReturn.id,
                 lambda s: s.select_from(SamReturn).join(SamReturn.follow_up)
                 .where(SamReturn.archived_at.is_(None))),
    ]
    found = parts[0].union_all(*parts[1:]).subquery()
    best = (
        select(found, func.row_number().over(
            partition_by=found.c.follow_up_id, order_by=found.c.rank).label("place"))
        .subquery()
    )
    statement = select(best.c.follow_up_id, best.c.year, best.c.manager, best.c.unit,
                       best.c.snippet).where(best.c.place == 1)
    rows = db.session.execute(
        _page(statement, best.c.rank, best.c.year.desc(), best.c.path, best.c.manager,
              limit=limit, offset=offset)
    ).all()
    group = Group(Kind.SAM, total=rows[0].total if rows else 0)
    for row in rows:
        title = _("SAM-uppföljning %(year)d – %(name)s", year=row.year, name=row.manager)
        group.hits.append(Hit(title, url_for("sam.follow_up", follow_up_id=row.follow_up_id),
                              highlighted(row.snippet), row.unit))
    return group


SEARCHES: dict[Kind, Callable[[User, _Matcher, int, int], Group]] = {
    Kind.PLAN: _plans,
    Kind.RISK: _risks,
    Kind.ACTION: _actions,
    Kind.CONTROL: _controls,
    Kind.RESULT: _results,
    Kind.SAM: _sam,
}


@dataclass(frozen=True)
class Results:
    query: Query
    groups: Sequence[Group]
    kind: Kind | None = None
    page: int = 1

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def pages(self) -> int:
        if self.kind is None or not self.groups:
            return 1
        return max(1, -(-self.groups[0].total // PAGE_SIZE))


def search(user: User, text: str, kind: Kind | None = None, page: int = 1) -> Results:
    """What the user may read that matches every word of the text, grouped by kind.

    Without a kind, the first GROUP_SIZE hits of each kind; with one, a page of PAGE_SIZE.
    """
    query = parse(text)
    if not query:
        return Results(query, [], kind, page)
    matcher = _Matcher(query)
    if kind is not None:
        offset = (max(page, 1) - 1) * PAGE_SIZE
        return Results(query, [SEARCHES[kind](user, matcher, PAGE_SIZE, offset)], kind, page)
    groups = [run(user, matcher, GROUP_SIZE, 0) for run in SEARCHES.values()]
    return Results(query, [group for group in groups if group.total], None, 1)


__all__ = ["GROUP_SIZE", "PAGE_SIZE", "Hit", "Kind", "Results", "SearchError", "parse", "search"]
