"""Who may read what: the catalog's sharing terms turned into a plan for one caller.

A plan names the row scope (regions, or None for all rows) and the personal fields the caller
may see in clear. Queries are then built from the plan, so scope and masking live in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from catalog.model import SharingType
from hub.errors import Forbidden, Unauthorized
from hub.services.exchange.clients import Caller
from hub.services.exchange.datasets import Dataset, datasets, get_dataset
from hub.settings import Settings
from schemas.exchange import Grant
from schemas.reference import Region


@dataclass(frozen=True)
class Plan:
    dataset: Dataset
    caller: Caller
    regions: tuple[str, ...] | None
    clear: frozenset[str]
    grant_id: int | None = None
    basis: str = ""

    @property
    def masked(self) -> frozenset[str]:
        return self.dataset.personal - self.clear

    def tag(self) -> str:
        """Identity of the restriction, for ETags and audit."""
        regions = ",".join(self.regions) if self.regions is not None else "*"
        return f"{self.caller.org_code}|{regions}|{','.join(sorted(self.clear))}|{self.grant_id}"


def region_closure(*, session: Session, adcodes: list[str]) -> tuple[str, ...]:
    """The regions and every region below them (province > city > county)."""
    wanted = set(adcodes)
    rows = session.exec(select(Region.adcode, Region.parent)).all()
    changed = True
    while changed:
        changed = False
        for adcode, parent in rows:
            if parent in wanted and adcode not in wanted:
                wanted.add(adcode)
                changed = True
    return tuple(sorted(wanted))


def active_grant(*, session: Session, dataset: str, org_code: str, today: date) -> Grant | None:
    return session.exec(
        select(Grant)
        .where(
            Grant.dataset == dataset,
            Grant.org_code == org_code,
            col(Grant.revoked_at).is_(None),
            Grant.expires_on >= today,
        )
        .order_by(col(Grant.id).desc())
    ).first()


def plan_access(
    *, session: Session, caller: Caller, dataset: Dataset, today: date | None = None
) -> Plan:
    """Apply 国发〔2016〕51号 terms.

    Open → anyone; 无条件 → government; 有条件 → active grant; 不予共享 → provider only.
    """
    today = today or date.today()
    if caller.org is None:
        if dataset.open:
            return Plan(dataset, caller, None, frozenset(), basis="open")
        raise Unauthorized("this dataset needs a bearer token (POST /api/v1/auth/token)")
    if "datasets:read" not in caller.scopes:
        raise Forbidden("token lacks the datasets:read scope")
    if caller.org.code == dataset.provider:
        return Plan(dataset, caller, None, dataset.personal, basis="provider")
    if dataset.open:
        return Plan(dataset, caller, None, frozenset(), basis="open")
    if dataset.sharing == SharingType.NOT_SHARED:
        raise Forbidden(f"{dataset.code} is 不予共享: only its provider may read it")
    if dataset.sharing == SharingType.UNCONDITIONAL:
        if not caller.org.government:
            raise Forbidden("无条件共享 resources are for government organisations")
        return Plan(dataset, caller, None, frozenset(), basis="unconditional")
    grant = active_grant(
        session=session, dataset=dataset.code, org_code=caller.org.code, today=today
    )
    if grant is None:
        raise Forbidden(
            f"{dataset.code} is 有条件共享: submit a share request and wait for a grant"
        )
    scope = grant.row_scope or [caller.org.code]
    regions = region_closure(session=session, adcodes=scope) if dataset.scope else None
    clear = frozenset(grant.fields) & dataset.personal
    return Plan(dataset, caller, regions, clear, grant_id=grant.id, basis="grant")


def authorise(*, session: Session, settings: Settings, caller: Caller, key: str) -> Plan:
    """Look the dataset up by code or id and plan the caller's access to it."""
    return plan_access(session=session, caller=caller, dataset=get_dataset(settings, key))


@dataclass(frozen=True)
class Listing:
    code: str
    id: str
    name: str
    sharing: str
    open: bool
    provider: str
    access: str


def listing(*, session: Session, settings: Settings, caller: Caller) -> list[Listing]:
    """Every dataset with the basis on which this caller may read it, or ``none``."""
    out = []
    for ds in datasets(settings):
        try:
            basis = plan_access(session=session, caller=caller, dataset=ds).basis
        except (Forbidden, Unauthorized):
            basis = "none"
        out.append(Listing(ds.code, ds.id, ds.name, str(ds.sharing), ds.open, ds.provider, basis))
    return out
