"""体质健康管理: physical-health test results (HTTP, OAuth2, cursor paging, rate limited)."""

from connectors.physical_health.source import PhysicalHealth

__all__ = ["PhysicalHealth"]
