"""eduhub: Jiangsu education data exchange and open-data API hub."""

__version__ = "0.1.0"
