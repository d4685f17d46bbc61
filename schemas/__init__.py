"""The unified model every connector writes into. Imports nothing else of eduhub."""

from sqlmodel import SQLModel

from schemas.aid import AidPayment, PoorHousehold
from schemas.base import PROVENANCE_FIELDS, Tracked
from schemas.exchange import (
    ApiClient,
    AuditEntry,
    AuditHead,
    Grant,
    Organisation,
    RateWindow,
    ScopeMove,
    ShareRequest,
    SyncBookmark,
)
from schemas.outcomes import GraduateDestination, HealthTest
from schemas.people import Student, Teacher
from schemas.quarantine import QuarantineRecord
from schemas.reference import CodeValue, Region
from schemas.runs import ConnectorRun
from schemas.schools import ClassSizeStat, IctSurvey, School, SchoolClass
from schemas.state import ConnectorState, LoadedFile
from schemas.versioning import ChangeCounter

metadata = SQLModel.metadata

TRACKED_MODELS: tuple[type[Tracked], ...] = (
    School,
    SchoolClass,
    ClassSizeStat,
    IctSurvey,
    Student,
    Teacher,
    AidPayment,
    PoorHousehold,
    HealthTest,
    GraduateDestination,
)

__all__ = [
    "PROVENANCE_FIELDS",
    "TRACKED_MODELS",
    "AidPayment",
    "ApiClient",
    "AuditEntry",
    "AuditHead",
    "ChangeCounter",
    "ClassSizeStat",
    "CodeValue",
    "ConnectorRun",
    "ConnectorState",
    "GraduateDestination",
    "Grant",
    "HealthTest",
    "IctSurvey",
    "LoadedFile",
    "Organisation",
    "PoorHousehold",
    "QuarantineRecord",
    "RateWindow",
    "Region",
    "School",
    "SchoolClass",
    "ScopeMove",
    "ShareRequest",
    "Student",
    "SyncBookmark",
    "Teacher",
    "Tracked",
    "metadata",
]
