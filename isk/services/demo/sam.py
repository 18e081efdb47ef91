"""Demo SAM: the manager chain and a round under way, with a follow-up in every state."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import AnswerValue, OrgUnit, SamRound, User
from .. import clock, sam

# The manager chain: chef, the units they lead, their fördelande chef (None at the top).
DEMO_CHAIN = (
    ("forvaltningschef@example.org", ("RS",), None),
    ("chef@example.org", ("MT",), "forvaltningschef@example.org"),
    ("chef.fastighet@example.org", ("FA",), "forvaltningschef@example.org"),
    ("enhetschef.service@example.org", ("MT-S",), "chef@example.org"),
    ("enhetschef.utveckling@example.org", ("MT-U",), "chef@example.org"),
    ("enhetschef.drift@example.org", ("FA-D",), "chef.fastighet@example.org"),
    ("enhetschef.lokalvard@example.org", ("FA-L",), "chef.fastighet@example.org"),
)


def load_demo_chain(units: dict[str, OrgUnit]) -> None:
    """The manager chain: who leads which units, and who is their fördelande chef."""
    users = {user.email: user for user in db.session.scalars(select(User))}
    assignments = {}
    for email, unit_codes, delegating in DEMO_CHAIN:
        assignments[email] = sam.save_assignment(
            users[email],
            [units[code] for code in unit_codes],
            assignments[delegating] if delegating else None,
        )


def load_demo_sam(units: dict[str, OrgUnit]) -> None:
    """This year's SAM round under way, with a follow-up in every state."""
    users = {user.email: user for user in db.session.scalars(select(User))}
    today = clock.today()
    sam_round: SamRound = sam.start_round(
        units["SN"],
        today.year,
        today + timedelta(days=21),
        [str(question) for question in sam.DEFAULT_QUESTIONS],
        started_by=users["hr@example.org"],
    )
    # The round began a month ago, so that every last day, the overdue ones' too, falls after it.
    started = datetime.combine(today - timedelta(days=30), time(8), tzinfo=clock.LOCAL_TIME)
    sam_round.started_at = started.astimezone(UTC)
    follow_ups = {follow_up.manager.email: follow_up for follow_up in sam_round.follow_ups}
    questions = sam_round.live_questions
    yes, partly, no = AnswerValue.YES, AnswerValue.PARTLY, AnswerValue.NO
    notes = {
        partly: "Riskbedömningen av den nya verkstaden är inte klar; den görs i vår.",
        no: "Jag har inte fått den utbildning i arbetsmiljö som delegeringen förutsätter.",
    }

    def answer(email: str, *values: AnswerValue) -> None:
        chosen = list(values) + [yes] * (len(questions) - len(values))
        given = zip(questions, chosen, strict=True)
        sam.save_answers(
            follow_ups[email], {q.id: sam.AnswerInput(v, notes.get(v, "")) for q, v in given}
        )

    def acknowledge(email: str) -> None:
        sam.acknowledge(follow_ups[email], by=users[email])

    answer("forvaltningschef@example.org", yes, yes, partly)
    acknowledge("forvaltningschef@example.org")  # waits for HR: the top has no fördelande chef
    answer("chef@example.org", yes, yes, yes, partly)  # saved, not yet kvitterad
    answer("enhetschef.service@example.org", yes, no)
    sam.add_return(
        follow_ups["enhetschef.service@example.org"],
        "Brandskyddsarbetet i verkstadslokalerna",
        "Lokalerna hyrs av fastighetsenheten och jag har ingen budget för åtgärder.",
        by=users["enhetschef.service@example.org"],
    )
    acknowledge("enhetschef.service@example.org")  # waits for Maria Chef to stämma av
    answer("enhetschef.utveckling@example.org")
    acknowledge("enhetschef.utveckling@example.org")
    sam.confirm(follow_ups["enhetschef.utveckling@example.org"], by=users["chef@example.org"])
    answer("chef.fastighet@example.org", yes, partly)
    acknowledge("chef.fastighet@example.org")
    sam.send_back(
        follow_ups["chef.fastighet@example.org"],
        "Beskriv vilka risker som återstår att bedöma och när det ska vara klart.",
        by=users["forvaltningschef@example.org"],
    )
    # Two enheter had an earlier last day (their verksamhetsplanering starts sooner): overdue.
    answer("enhetschef.lokalvard@example.org", yes, yes, yes, yes, partly)
    for email in ("enhetschef.drift@example.org", "enhetschef.lokalvard@example.org"):
        follow_ups[email].due_on = today - timedelta(days=10)
    db.session.flush()
