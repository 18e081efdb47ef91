"""A drawn stickprov and its items, stored so that the draw can be defended and redone.

The seed, the algorithm and the population file's checksum (the file itself is kept under the
instance folder, named by checksum) are enough to draw the very same items again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .control import Control
    from .user import User


class SampleSizeMethod(LabelledEnum):
    """How a stickprov's size was set: calculated from the rates, or by judgement (motivated)."""

    STATISTICAL = "statistical", _l("Statistiskt beräknad")
    JUDGEMENT = "judgement", _l("Efter bedömning")


class ItemSelection(LabelledEnum):
    """How an item came into the stickprov: drawn at random, or reviewed in full (above the
    threshold)."""

    RANDOM = "random", _l("Slumpmässigt urval")
    FULL_REVIEW = "full_review", _l("Totalgranskning")


class ItemOutcome(LabelledEnum):
    OK = "ok", _l("OK")
    DEVIATION = "deviation", _l("Avvikelse")


class Sample(db.Model):
    """Ett stickprov: who drew what, from which file, how, and why that many."""

    __tablename__ = "sample"
    __table_args__ = (
        CheckConstraint("size BETWEEN 1 AND 2000", name="size_range"),
        CheckConstraint(
            "size_method = 'statistical' OR length(trim(coalesce(size_reason, ''))) > 0",
            name="judgement_has_reason",
        ),
        CheckConstraint("row_count > 0", name="row_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The size: calculated (AICPA) from the rates, or chosen by judgement with a reason.
    size: Mapped[int] = mapped_column(Integer)
    size_method: Mapped[SampleSizeMethod] = mapped_column(
        str_enum(SampleSizeMethod, "sample_size_method")
    )
    size_reason: Mapped[str | None] = mapped_column(Text)
    risk: Mapped[str] = mapped_column(String(20))  # rates as exact fractions, e.g. "1/20"
    tolerable: Mapped[str | None] = mapped_column(String(20))
    expected: Mapped[str | None] = mapped_column(String(20))
    tolerated_deviations: Mapped[int | None] = mapped_column(Integer)
    # The draw: enough to redo it.
    seed: Mapped[str] = mapped_column(String(200))
    algorithm: Mapped[str] = mapped_column(String(50))
    population_checksum: Mapped[str] = mapped_column(String(64))
    population_file_name: Mapped[str] = mapped_column(String(255))
    population_file_size: Mapped[int] = mapped_column(BigInteger)
    population_format: Mapped[str] = mapped_column(String(10))
    row_count: Mapped[int] = mapped_column(Integer)
    id_column: Mapped[str] = mapped_column(String(200))
    amount_column: Mapped[str | None] = mapped_column(String(200))
    columns: Mapped[list[str]] = mapped_column(JSON)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # strata column, band edges, threshold
    strata: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # label, population, drawn
    full_review_count: Mapped[int] = mapped_column(Integer, default=0)
    results_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    control: Mapped[Control] = relationship(back_populates="samples")
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[SampleItem]] = relationship(
        back_populates="sample", order_by="SampleItem.position"
    )

    __mapper_args__ = {"version_id_col": version_id}


class SampleItem(db.Model):
    """One drawn item and, once checked, its outcome: OK or avvikelse with a comment."""

    __tablename__ = "sample_item"
    __table_args__ = (
        UniqueConstraint("sample_id", "item_id", name="uq_sample_item_sample_item"),
        UniqueConstraint("sample_id", "position", name="uq_sample_item_sample_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("sample.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(200))
    row_number: Mapped[int] = mapped_column(Integer)
    values: Mapped[list[str]] = mapped_column(JSON)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    stratum: Mapped[str | None] = mapped_column(String(200))
    selection: Mapped[ItemSelection] = mapped_column(
        str_enum(ItemSelection, "sample_item_selection")
    )
    outcome: Mapped[ItemOutcome | None] = mapped_column(
        str_enum(ItemOutcome, "sample_item_outcome")
    )
    comment: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    sample: Mapped[Sample] = relationship(back_populates="items")
