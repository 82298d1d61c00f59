"""News agency codes as printed in trailing markers (`(dpa/jW)`) → full names."""
from __future__ import annotations

AGENCIES = {
    "jW": "junge Welt",
    "dpa": "Deutsche Presse-Agentur",
    "AFP": "Agence France-Presse",
    "AP": "Associated Press",
    "Reuters": "Reuters",
    "dapd": "Deutscher Auslands-Depeschendienst",
    "ddp": "Deutscher Depeschendienst",
    "ADN": "Allgemeiner Deutscher Nachrichtendienst",
    "SID": "Sport-Informations-Dienst",
    "epd": "Evangelischer Pressedienst",
    "KNA": "Katholische Nachrichtenagentur",
    "AA": "Anadolu Ajansı",
    "ANSA": "Agenzia Nazionale Stampa Associata",
    "EFE": "Agencia EFE",
    "APA": "Austria Presse Agentur",
    "IPS": "Inter Press Service",
    "PL": "Prensa Latina",
    "TASS": "TASS",
    "Xinhua": "Xinhua",
    "SANA": "Syrian Arab News Agency",
    "WAFA": "Palestine News & Info Agency (WAFA)",
    "ots": "news aktuell (Originaltextservice)",
    "apn": "Associated Press (deutscher Dienst)",
}
_BY_LOWER = {code.lower(): code for code in AGENCIES}


def agency_name(code: str) -> tuple[str, str]:
    """(full name, kind): a known agency, or a journalist's initials such as `mme`."""
    known = _BY_LOWER.get(code.lower())
    if known:
        return AGENCIES[known], "agency"
    if code.islower() and len(code) <= 4:
        return f"Kürzel »{code}« (Redaktion)", "initials"
    return code, "unknown"
