"""The exchange: organisations and clients, terms from the catalog, pulls, audit, federation."""
