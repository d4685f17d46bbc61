"""What every renderer receives and promises: entries of one version in, bytes out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime

from catalog.model import Entry

CATALOG_TITLE_ZH = "江苏省教育政务信息资源目录"
CATALOG_TITLE_EN = "Jiangsu Education Government Information Resource Catalog"
CATALOG_DESCRIPTION_ZH = (
    "江苏省教育数据交换平台（eduhub）共享和开放的教育政务信息资源目录，"
    "按《政务信息资源目录编制指南（试行）》编制。"
)
CATALOG_DESCRIPTION_EN = (
    "Catalog of the education datasets the Jiangsu education data exchange (eduhub) shares "
    "between government departments and opens to the public, compiled under the national "
    "government information resource cataloguing guideline (2017)."
)


@dataclass(frozen=True)
class ExportContext:
    version: str
    base_uri: str = "https://eduhub.jyt.jiangsu.gov.cn"
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))


class Renderer(ABC):
    """One export format. ``name`` is the CLI/API format key."""

    name: str
    media_type: str
    extension: str

    @abstractmethod
    def render(self, entries: list[Entry], context: ExportContext) -> bytes: ...
