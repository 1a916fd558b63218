"""Handlers of every statement kind; importing this package registers them in `registry.kinds.KINDS`."""

from registry.handlers import assurance, corrections, goods, indications, jurisdiction, parties, products

__all__ = ["assurance", "corrections", "goods", "indications", "jurisdiction", "parties", "products"]
