"""The organisation tree: region → nämnd → förvaltning → område → enhet."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .plan import Plan


class OrgUnitKind(LabelledEnum):
    REGION = "region", _l("Region")
    NAMND = "namnd", _l("Nämnd")
    FORVALTNING = "forvaltning", _l("Förvaltning")
    OMRADE = "omrade", _l("Område")
    ENHET = "enhet", _l("Enhet")

    @property
    def depth(self) -> int:
        return list(OrgUnitKind).index(self)


class OrgUnit(db.Model):
    """An organisationsenhet: region, nämnd, förvaltning, område or enhet/avdelning.

    `path` is the materialised chain of ids from the root ("/1/4/9/"), so that
    "this unit and everything below it" is a prefix match in one query.
    """

    __tablename__ = "org_unit"
    __table_args__ = (
        CheckConstraint("(kind = 'region') = (parent_id IS NULL)", name="region_is_root"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[OrgUnitKind] = mapped_column(str_enum(OrgUnitKind, "org_unit_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(500), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    plans: Mapped[list[Plan]] = relationship(back_populates="org_unit")

    def contains(self, other: OrgUnit) -> bool:
        """True if `other` is this unit or lies below it."""
        return bool(self.path) and other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.kind.value}>"
