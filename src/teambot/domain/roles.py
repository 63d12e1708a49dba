"""Professions on an early-intervention team, spelled as Danish users write them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PAEDAGOG = "pædagog"
    LEDER = "leder"
    PSYKOLOG = "psykolog"
    TALE_HOERE = "tale-hørekonsulent"
    SUNDHEDSPLEJERSKE = "sundhedsplejerske"
    SMAABOERN = "småbørnskonsulent"
    FYSIOTERAPEUT = "fysioterapeut"
    SOCIALRAADGIVER = "socialrådgiver"


CONSULTANT_ROLES = frozenset(Role) - {Role.PAEDAGOG, Role.LEDER}


class InstitutionKind(StrEnum):
    VUGGESTUE = "vuggestue"
    BOERNEHAVE = "børnehave"
    INTEGRERET = "integreret"
    DAGPLEJE = "dagpleje"


def parse_role(text: str) -> Role | None:
    try:
        return Role(text.strip().lower())
    except ValueError:
        return None
