"""The shapes of the CKAN action API's answers, as pydantic models (the OpenAPI schema of the
CKAN routes, and what the tests check the answers against).

They mirror CKAN 2.10's dicts as :mod:`catalog.renderers.ckan` builds them: every field is
declared and nothing else is allowed, so a renderer change that the models do not follow
fails the tests instead of leaving the documentation wrong.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Tag(Closed):
    name: str
    display_name: str
    state: str
    vocabulary_id: str | None = None


class Extra(Closed):
    key: str
    value: str


class Resource(Closed):
    id: str
    package_id: str
    name: str
    description: str
    format: str
    url: str
    position: int
    state: str


class Organization(Closed):
    id: str
    name: str = Field(description="提供方代码, lower-cased")
    title: str
    display_name: str
    description: str
    type: str
    is_organization: bool
    state: str
    approval_status: str
    image_url: str
    created: str
    package_count: int | None = Field(default=None, description="with all_fields / show")
    packages: list[Package] | None = Field(default=None, description="with include_datasets")


class Package(Closed):
    id: str = Field(description="UUIDv5 of the resource code, stable across versions")
    name: str = Field(description="the entry id")
    title: str
    notes: str
    type: str
    state: str
    private: bool
    url: str
    version: str = Field(description="catalog version served")
    author: str
    maintainer: str
    license_id: str = Field(description="other-at when open to the public, else notspecified")
    license_title: str
    metadata_created: str
    metadata_modified: str = Field(description="publish date at 00:00 (UTC)")
    owner_org: str
    organization: Organization
    tags: list[Tag]
    num_tags: int
    groups: list[dict[str, Any]]
    extras: list[Extra] = Field(description="every other catalog element, as catalog_* keys")
    resources: list[Resource]
    num_resources: int


class SearchResult(Closed):
    count: int
    sort: str
    results: list[Package]
    facets: dict[str, Any]
    search_facets: dict[str, Any]


class Status(Closed):
    ckan_version: str
    site_title: str
    site_description: str
    site_url: str
    locale_default: str
    extensions: list[str]


class Success(Closed, Generic[T]):
    """CKAN's envelope of a successful action."""

    help: str
    success: Literal[True]
    result: T


class ErrorDetail(Closed):
    type: str = Field(alias="__type", description="Not Found Error, Validation Error, Search Error")
    message: str

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Failure(Closed):
    """CKAN's envelope of a failed action."""

    help: str
    success: Literal[False]
    error: ErrorDetail


Organization.model_rebuild()
