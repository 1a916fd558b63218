"""Refusals of the registry: typed domain errors with a stable code and messages in English and Vietnamese.

    DomainError                 base; `code`, `en`, `vi`
    ├── NotAllowedError         the issuer's role or key does not allow this statement   (HTTP 403)
    ├── UnknownReferenceError   the statement names something the registry does not have  (HTTP 422)
    ├── ConflictError           it contradicts what is recorded: duplicate id, lot or nonce (HTTP 409)
    └── RuleViolationError      it breaks a rule: quantities, dates, areas, rights          (HTTP 422)

Every error says value and expectation in both languages; `api` maps each class to one status.
"""


class DomainError(Exception):
    """A statement the registry refuses; nothing of its batch is appended."""

    def __init__(self, code: str, en: str, vi: str) -> None:
        self.code = code
        self.en = en
        self.vi = vi
        self.position: int | None = None
        """Which statement of a submitted batch was refused (0-based), when known."""
        super().__init__(f"{code}: {en}")

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "en": self.en, "vi": self.vi}


class NotAllowedError(DomainError):
    """The issuer may not say this."""


class UnknownReferenceError(DomainError):
    """A referenced organisation, key, GI, mark, right, product, batch or entry does not exist."""


class ConflictError(DomainError):
    """The statement repeats or contradicts something already recorded."""


class RuleViolationError(DomainError):
    """The statement breaks a registry rule."""
