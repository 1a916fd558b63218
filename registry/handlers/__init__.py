"""Handlers of every statement kind; importing this package registers them in `registry.kinds.KINDS`."""

from registry.handlers import assurance, goods, indications, parties

__all__ = ["assurance", "goods", "indications", "parties"]
