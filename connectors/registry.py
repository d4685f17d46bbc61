"""Every connector the hub ships, in the order ``pull --all`` runs them (schools first: the
other sources are checked against the school register, aid and health against the pupils)."""

from __future__ import annotations

from connectors.class_roster import ClassRoster
from connectors.graduate_employment import GraduateEmployment
from connectors.ict_survey import IctSurveyConnector
from connectors.institution_codes import InstitutionCodes
from connectors.physical_health import PhysicalHealth
from connectors.statistics import Statistics
from connectors.streams import Connector
from connectors.student_aid import StudentAid
from connectors.student_registry import StudentRegistry
from connectors.teachers import Teachers

ORDER: tuple[type[Connector], ...] = (
    InstitutionCodes,
    StudentRegistry,
    Teachers,
    Statistics,
    GraduateEmployment,
    ClassRoster,
    IctSurveyConnector,
    StudentAid,
    PhysicalHealth,
)


def connectors() -> dict[str, Connector]:
    """A fresh instance of each connector by name, in run order."""
    return {cls.name: cls() for cls in ORDER}


def names() -> list[str]:
    return [cls.name for cls in ORDER]
