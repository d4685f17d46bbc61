"""GIS for eduhub: boundaries, spatial analysis, layers and maps (between services and storage)."""
