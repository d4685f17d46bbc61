"""One catalog entry (目录条目) with the 13 core metadata elements of the 2017 guideline.

Element numbers in comments follow standards.md §1.3; allowed values follow §1.4. The model
checks shapes (enums, code formats); the cross-field rules of the guideline live in
``catalog.rules`` so that they can be reported all at once instead of failing on the first.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

RESOURCE_ID = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
RESOURCE_CODE = re.compile(r"^(\d)(\d{2})(\d{3})(\d{2})/(\d{3,})$")


class SharingType(StrEnum):
    """共享类型 (国发〔2016〕51号)."""

    UNCONDITIONAL = "无条件共享"
    CONDITIONAL = "有条件共享"
    NOT_SHARED = "不予共享"


class SharingMethodCategory(StrEnum):
    """共享方式 (分类)."""

    PLATFORM = "共享平台方式"
    EMAIL = "邮件方式"
    MEDIA = "介质方式"


class SharingMethodType(StrEnum):
    """共享方式类型 under 共享平台方式."""

    DATABASE = "数据库"
    FILE = "文件"
    API = "接口"


class UpdateCycle(StrEnum):
    """更新周期."""

    REALTIME = "实时"
    DAILY = "每日"
    WEEKLY = "每周"
    MONTHLY = "每月"
    QUARTERLY = "每季度"
    HALF_YEARLY = "每半年"
    YEARLY = "每年"
    OTHER = "其他"


class FormatCategory(StrEnum):
    """信息资源格式分类."""

    DOCUMENT = "电子文件"
    SPREADSHEET = "电子表格"
    DATABASE = "数据库"
    IMAGE = "图形图像"
    STREAMING = "流媒体"
    SELF_DESCRIBING = "自描述格式"
    OTHER = "其他"


# 格式类型 allowed per category; categories mapped to None take a described free type.
FORMAT_TYPES: dict[FormatCategory, tuple[str, ...] | None] = {
    FormatCategory.DOCUMENT: (
        "OFD",
        "WPS",
        "XML",
        "TXT",
        "DOC",
        "DOCX",
        "HTML",
        "PDF",
        "PPT",
    ),
    FormatCategory.SPREADSHEET: ("ET", "XLS", "XLSX"),
    FormatCategory.DATABASE: (
        "Dm",
        "KingbaseES",
        "Access",
        "DBF",
        "dBase",
        "Sybase",
        "Oracle",
        "SQL Server",
        "DB2",
    ),
    FormatCategory.IMAGE: ("JPG", "GIF", "BMP"),
    FormatCategory.STREAMING: ("SWF", "RM", "MPG"),
    FormatCategory.SELF_DESCRIBING: None,
    FormatCategory.OTHER: None,
}


class DataType(StrEnum):
    """信息项数据类型 (national list, one-letter codes)."""

    C = "C"
    N = "N"
    Y = "Y"
    D = "D"
    T = "T"
    L = "L"
    M = "M"
    G = "G"
    B = "B"
    I = "I"  # noqa: E741 - the national code letter
    F = "F"


DATA_TYPE_NAMES: dict[DataType, str] = {
    DataType.C: "字符型",
    DataType.N: "数值型",
    DataType.Y: "货币型",
    DataType.D: "日期型",
    DataType.T: "日期时间型",
    DataType.L: "逻辑型",
    DataType.M: "备注型",
    DataType.G: "通用型",
    DataType.B: "双精度型",
    DataType.I: "整型",
    DataType.F: "浮点型",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Classification(Strict):
    """信息资源分类 (element 1): 类 / 项 / 目 / 细目, each with its code and name."""

    class_code: str = Field(pattern=r"^\d$", description="类 (1 digit)")
    item_code: str = Field(pattern=r"^\d{2}$", description="项 (2 digits)")
    category_code: str = Field(pattern=r"^\d{3}$", description="目 (3 digits)")
    category_name: str = Field(min_length=1)
    subcategory_code: str = Field(pattern=r"^\d{2}$", description="细目 (2 digits, local)")
    subcategory_name: str = Field(min_length=1)

    @property
    def code(self) -> str:
        """分类码: the four codes concatenated (8 digits)."""
        return self.class_code + self.item_code + self.category_code + self.subcategory_code


class ResourceFormat(Strict):
    """信息资源格式 (element 7): 分类 + 类型."""

    category: FormatCategory
    type: str = Field(min_length=1)


class InfoItem(Strict):
    """信息项 (element 8) plus the unified-schema column it is read from."""

    name: str = Field(min_length=1, description="信息项名称")
    field: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="column in the unified schema")
    data_type: DataType
    length: int | None = Field(default=None, ge=1, description="数据长度")
    description: str = ""
    personal: bool = Field(default=False, description="个人信息")
    computed: bool = Field(default=False, description="derived in the view, not a stored column")


class Sharing(Strict):
    """共享属性 (element 9)."""

    type: SharingType
    condition: str = Field(default="", description="共享条件")
    basis: str = Field(default="", description="法律法规或政策依据 (required for 不予共享)")
    method: SharingMethodCategory | None = Field(default=None, description="共享方式")
    method_type: SharingMethodType | None = Field(default=None, description="共享方式类型")


class Openness(Strict):
    """开放属性 (element 10)."""

    open: bool = Field(description="是否向社会开放 (是/否)")
    condition: str = Field(default="", description="开放条件")


class Provider(Strict):
    """信息资源提供方 (4) and 提供方代码 (5); English name for DCAT and CKAN."""

    name: str = Field(min_length=1)
    code: str = Field(pattern=r"^[0-9A-Z-]{4,30}$")
    name_en: str = ""
    department: str = Field(default="", description="提供方内部部门")


class Entry(Strict):
    """A catalog entry: core metadata elements 1-13 plus eduhub's extension fields."""

    id: str = Field(description="stable slug, also the file name and the CKAN package name")
    code: str = Field(description="信息资源代码 (3): 分类码/顺序码")
    name: str = Field(min_length=2, description="信息资源名称 (2)")
    name_en: str = Field(min_length=2, description="English title (DCAT, CKAN)")
    classification: Classification
    provider: Provider
    abstract: str = Field(min_length=10, description="信息资源摘要 (6)")
    abstract_en: str = ""
    format: ResourceFormat
    items: list[InfoItem] = Field(min_length=1)
    sharing: Sharing
    openness: Openness
    update_cycle: UpdateCycle
    published: date = Field(description="发布日期 (12)")
    related: list[str] = Field(default_factory=list, description="关联资源代码 (13)")
    keywords: list[str] = Field(default_factory=list)
    # Extension metadata (扩展元数据) eduhub needs to serve the resource.
    entity: str | None = Field(default=None, description="backing unified-schema table")
    view: str | None = Field(default=None, description="view/dataset name when not a table")
    derived_from: list[str] = Field(default_factory=list, description="tables a view reads")
    row_scope: str = Field(min_length=2, description="which rows a requester may receive")
    spatial_coverage: list[str] = Field(default_factory=lambda: ["320000"])

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not RESOURCE_ID.match(value):
            raise ValueError("id must be a lower-case slug (a-z, 0-9, _)")
        return value

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not RESOURCE_CODE.match(value):
            raise ValueError("code must be 8-digit 分类码 + '/' + 3+ digit 顺序码")
        return value

    @property
    def personal_fields(self) -> list[str]:
        """个人信息项 (extension): the fields flagged personal, in item order."""
        return [item.field for item in self.items if item.personal]

    @property
    def sequence(self) -> str:
        return self.code.split("/", 1)[1]
