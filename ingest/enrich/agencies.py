"""News agency codes as printed in trailing markers (`(dpa/jW)`) → full names and kind."""
from __future__ import annotations

from ingest.parse.common import AGENCY_NAMES

_BY_LOWER = {code.lower(): name for code, name in AGENCY_NAMES.items()}


def agency_name(code: str) -> tuple[str, str]:
    """(full name, kind): a known agency, or a journalist's initials such as `mme`."""
    known = _BY_LOWER.get(code.lower())
    if known:
        return known, "agency"
    if code.islower() and len(code) <= 4:
        return f"Kürzel »{code}« (Redaktion)", "initials"
    return code, "unknown"
