"""Demo data: an example region, a user per role, the seed IK-plans, controls and SAM."""

from .loader import (
    DEMO_PASSWORD,
    DEMO_PLANS,
    DEMO_USERS,
    database_is_empty,
    demo_users_present,
    load_demo_data,
)

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PLANS",
    "DEMO_USERS",
    "database_is_empty",
    "demo_users_present",
    "load_demo_data",
]
