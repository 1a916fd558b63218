"""Checking one statement against the registry and applying it to the projections.

The same function serves appends (`registry.service`) and replay (`registry.replay`), so an auditor's
replay re-runs exactly the rules the registry ran.
"""

import base64
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

import registry.handlers  # noqa: F401  (registers the handlers)
from ledger.core.errors import SignatureError
from ledger.core.signing import verify_statement
from ledger.core.types import Signature, Statement, format_timestamp, parse_timestamp
from registry.errors import ConflictError, NotAllowedError, RuleViolationError
from registry.handlers.parties import key_id_of
from registry.kinds import CLOCK_SKEW, KINDS, MAX_AGE, Context
from registry.queries import roles_of
from registry.schemas import Body, OrganisationRegistered
from registry.state import State
from registry.tables import RegEntry, RegKey, RegNonce, RegOrganisation
from registry.validation import describe, summary

BOOTSTRAP_KIND = "organisation.registered.v1"


def parse_body(statement: Statement) -> Body:
    spec = KINDS.get(statement.kind)
    if spec is None:
        known = ", ".join(sorted(KINDS))
        raise RuleViolationError("unknown-kind", f"statement kind {statement.kind!r} is not one of {known}",
                                 f"loại tuyên bố {statement.kind!r} không thuộc {known}")
    try:
        return spec.body.model_validate(dict(statement.body))
    except ValidationError as exc:
        en, vi = summary(describe(exc.errors()), limit=20)
        raise RuleViolationError("invalid-body", f"{statement.kind} body is invalid: {en}",
                                 f"nội dung tuyên bố loại {statement.kind} không hợp lệ: {vi}") from exc


def _bootstrap_key(statement: Statement, body: Body, signature: Signature) -> Ed25519PublicKey:
    """The root authority registers itself, signing with a key it registers in the same statement."""
    if statement.kind != BOOTSTRAP_KIND or not isinstance(body, OrganisationRegistered) \
            or body.id != statement.issuer or "authority" not in body.roles:
        raise NotAllowedError(
            "bootstrap-required",
            "the first statement must register the root authority itself, with the key that signs it",
            "tuyên bố đầu tiên phải đăng ký chính cơ quan gốc, kèm khóa dùng để ký")
    for key in body.keys:
        if key_id_of(key.public_key) == signature.key_id:
            return Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key))
    raise NotAllowedError("bootstrap-key", f"the root authority's statement is signed with key {signature.key_id}, "
                          "which it does not register", f"tuyên bố của cơ quan gốc được ký bằng khóa "
                          f"{signature.key_id}, khóa này không được đăng ký trong tuyên bố")


def _issuer_key(state: State, statement: Statement, signature: Signature) -> tuple[Ed25519PublicKey, frozenset[str]]:
    issuer = state.get(RegOrganisation, id=statement.issuer)
    if issuer is None:
        raise NotAllowedError("unknown-issuer", f"issuer {statement.issuer} is not a registered organisation",
                              f"bên lập {statement.issuer} không phải tổ chức đã đăng ký")
    key = state.get(RegKey, key_id=signature.key_id)
    if key is None or key["organisation"] != statement.issuer:
        raise NotAllowedError("unknown-key", f"key {signature.key_id} is not a key of {statement.issuer}",
                              f"khóa {signature.key_id} không phải khóa của {statement.issuer}")
    if not key["active"]:
        raise NotAllowedError("key-revoked", f"key {signature.key_id} of {statement.issuer} was revoked at entry "
                              f"{key['revoked_entry']}", f"khóa {signature.key_id} của {statement.issuer} đã bị "
                              f"thu hồi tại mục {key['revoked_entry']}")
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    return public, frozenset(roles_of(issuer))


def apply_statement(state: State, statement: Statement, signature: Signature, index: int, logged: datetime,
                    *, signature_checked: bool = False) -> None:
    """Check `statement` as entry `index` logged at `logged`, then update the projections.

    `logged` is the entry's logged_at as the log writes it (millisecond precision), live and on replay alike,
    so that every time rule sees the same time in both. Raises a DomainError (nothing of the transaction
    should then be committed). `signature_checked` skips only the Ed25519 verification, for signatures the
    registry has just made itself; the key must still be an active key of the issuer.
    """
    body = parse_body(statement)
    spec = KINDS[statement.kind]
    if index == 0:
        public, roles = _bootstrap_key(statement, body, signature), frozenset({"authority"})
    else:
        public, roles = _issuer_key(state, statement, signature)
        if spec.roles and not roles & spec.roles:
            raise NotAllowedError(
                "role-not-allowed", f"{statement.issuer} ({', '.join(sorted(roles))}) may not issue {statement.kind}; "
                f"it needs one of {', '.join(sorted(spec.roles))}", f"{statement.issuer} không được lập "
                f"{statement.kind}; cần một trong các vai trò {', '.join(sorted(spec.roles))}")
    if not signature_checked:
        try:
            verify_statement(statement, signature, public)
        except SignatureError as exc:
            raise NotAllowedError("bad-signature", str(exc), "chữ ký không khớp với tuyên bố và khóa đã nêu") from exc
    _check_time(statement, logged)
    if state.get(RegNonce, issuer=statement.issuer, nonce=statement.nonce) is not None:
        raise ConflictError("nonce-replayed", f"nonce {statement.nonce} of {statement.issuer} was used before; "
                            "a statement is accepted once", f"nonce {statement.nonce} của {statement.issuer} đã "
                            "được dùng; mỗi tuyên bố chỉ được chấp nhận một lần")
    state.insert(RegNonce, issuer=statement.issuer, nonce=statement.nonce, entry=index)
    state.insert(RegEntry, entry=index, kind=statement.kind, issuer=statement.issuer,
                 subject=spec.subject(body) if spec.subject else "")
    spec.handle(state, Context(statement, index, roles, logged), body)


def _check_time(statement: Statement, logged: datetime) -> None:
    issued = parse_timestamp(statement.issued_at)
    if issued > logged + CLOCK_SKEW:
        raise RuleViolationError(
            "issued-in-future", f"issued_at {statement.issued_at} is more than {_minutes(CLOCK_SKEW)} minutes after "
            f"the time the log records it, {format_timestamp(logged)}", f"thời điểm lập {statement.issued_at} muộn "
            f"hơn thời điểm sổ cái ghi nhận ({format_timestamp(logged)}) quá {_minutes(CLOCK_SKEW)} phút")
    if issued < logged - MAX_AGE:
        hours = int(MAX_AGE.total_seconds()) // 3600
        raise RuleViolationError(
            "issued-too-long-ago", f"issued_at {statement.issued_at} is more than {hours} hours before the time the "
            f"log records it, {format_timestamp(logged)}; sign the statement again", f"thời điểm lập "
            f"{statement.issued_at} sớm hơn thời điểm sổ cái ghi nhận ({format_timestamp(logged)}) quá {hours} giờ; "
            "hãy ký lại tuyên bố")


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds()) // 60
