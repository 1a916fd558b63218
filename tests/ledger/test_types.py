"""Statements, signatures and entries: refusals when built, and the entry's canonical bytes and hash."""

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.checkpoint import Checkpoint, SignedCheckpoint
from ledger.core.encoding import MAX_SAFE_INTEGER
from ledger.core.errors import EncodingError, InvalidValueError
from ledger.core.hashing import ZERO_HASH, Hash, leaf_hash
from ledger.core.note import NoteSigner
from ledger.core.proof import InclusionProof
from ledger.core.types import (
    MAX_STATEMENT_BYTES,
    Entry,
    Receipt,
    Signature,
    Statement,
    format_timestamp,
    parse_timestamp,
)


def make_statement(**overrides: Any) -> Statement:
    fields: dict[str, Any] = {
        "kind": "batch.registered",
        "issuer": "coop-bat-trang",
        "issued_at": "2026-11-26T09:30:00Z",
        "nonce": "n0nce-0001",
        "body": {"gtin": "08934567890128", "lot": "LOT-2026-11-A", "quantity": "12.5", "làng": "Bát Tràng"},
    }
    return Statement(**{**fields, **overrides})


def make_signature(**overrides: Any) -> Signature:
    fields: dict[str, Any] = {"key_id": "0123456789abcdef", "value": bytes(range(64))}
    return Signature(**{**fields, **overrides})


def make_entry(**overrides: Any) -> Entry:
    fields: dict[str, Any] = {
        "index": 7,
        "prev": leaf_hash(b"entry 6"),
        "logged_at": "2026-11-26T09:30:01.250Z",
        "statement": make_statement(),
        "signature": make_signature(),
    }
    return Entry(**{**fields, **overrides})


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER), st.text(st.characters(codec="utf-8"))
)
json_keys = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(["\ue000", "\U0001f600", "ö", "a"])
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_keys, inner, max_size=4),
    max_leaves=20,
)
bodies = st.dictionaries(json_keys, json_values, max_size=6)
moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))


class TestTimestamps:
    """Timestamps are RFC 3339 UTC with Z, and real dates."""

    @pytest.mark.parametrize("text", ["2026-11-26T09:30:00Z", "2026-11-26T09:30:00.1Z", "2024-02-29T23:59:59.999999Z"])
    def test_accepts_utc_times_with_z(self, text: str) -> None:
        assert parse_timestamp(text).tzinfo is UTC

    def test_writes_milliseconds(self) -> None:
        assert format_timestamp(datetime(2026, 11, 26, 9, 30, 0, 123456, tzinfo=UTC)) == "2026-11-26T09:30:00.123Z"

    @settings(max_examples=100)
    @given(moments)
    def test_reads_back_what_it_writes_to_the_millisecond(self, moment: datetime) -> None:
        to_the_millisecond = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        assert parse_timestamp(format_timestamp(moment)) == to_the_millisecond

    @pytest.mark.parametrize("text", ["2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-26T24:00:00Z",
                                      "2026-13-01T00:00:00Z"])
    def test_refuses_dates_that_do_not_exist(self, text: str) -> None:
        with pytest.raises(InvalidValueError, match=rf"^issued_at '{text}' is not a real date and time$"):
            make_statement(issued_at=text)

    @pytest.mark.parametrize("value", ["2026-11-26T09:30:00+07:00", "2026-11-26 09:30:00Z", "2026-11-26T09:30:00z",
                                       "2026-11-26T09:30Z", "2026-11-26T09:30:00.1234567Z", "2026-11-26", "",
                                       1764149400])
    def test_refuses_times_in_other_forms(self, value: object) -> None:
        with pytest.raises(InvalidValueError, match=r"is not an RFC 3339 UTC time like 2026-11-26T09:30:00Z$"):
            make_statement(issued_at=value)

    @pytest.mark.parametrize("text", ["２０２６-11-26T09:30:00Z", "2026-１１-２６T09:30:00Z", "2026-11-26T０９:30:00Z",
                                      "2026-11-26T09:30:00.１２３Z", "٢٠٢٦-11-26T09:30:00Z", "2026-11-26T09:30:0𝟎Z"])
    def test_refuses_digits_that_are_not_ascii(self, text: str) -> None:
        with pytest.raises(InvalidValueError, match=r"is not an RFC 3339 UTC time like 2026-11-26T09:30:00Z$"):
            parse_timestamp(text, "event time")


class TestStatement:
    """A statement validates every field, and its canonical bytes, when it is built."""

    @pytest.mark.parametrize("kind", ["batch", "batch.registered", "a.b_c.d0", "x" + ".y" * 6])
    def test_accepts_dotted_lowercase_kinds(self, kind: str) -> None:
        assert make_statement(kind=kind).kind == kind

    @pytest.mark.parametrize("kind", ["", "Batch.registered", "batch..registered", "batch.", "1batch",
                                      "batch registered", "x" + ".y" * 7, None])
    def test_refuses_bad_kinds(self, kind: object) -> None:
        expected = rf"^kind {kind!r} is not valid; expected dotted lowercase words such as batch\.registered$"
        with pytest.raises(InvalidValueError, match=expected):
            make_statement(kind=kind)

    @pytest.mark.parametrize("issuer", ["a", "coop-bat-trang", "0", "a" * 64])
    def test_accepts_organisation_ids(self, issuer: str) -> None:
        assert make_statement(issuer=issuer).issuer == issuer

    @pytest.mark.parametrize("issuer", ["", "-coop", "coop-", "Coop", "coop_bat", "a" * 65, "làng"])
    def test_refuses_bad_issuers(self, issuer: str) -> None:
        with pytest.raises(InvalidValueError, match=rf"^issuer '{issuer}' is not valid; expected an organisation id"):
            make_statement(issuer=issuer)

    @pytest.mark.parametrize("nonce", ["short7!", "1234567", "x" * 65, "has space1", "slash/in/it", 12345678])
    def test_refuses_bad_nonces(self, nonce: object) -> None:
        with pytest.raises(InvalidValueError, match=r"is not valid; expected 8-64 characters from A-Z a-z 0-9 _ -$"):
            make_statement(nonce=nonce)

    @pytest.mark.parametrize(("body", "name"), [([], "list"), ("text", "str"), (None, "NoneType")])
    def test_refuses_a_body_that_is_not_an_object(self, body: object, name: str) -> None:
        with pytest.raises(InvalidValueError, match=rf"^body must be a JSON object, got {name}$"):
            make_statement(body=body)

    def test_refuses_a_float_in_the_body(self) -> None:
        with pytest.raises(EncodingError, match=r"^float 12\.5 is not allowed; write quantities as decimal strings$"):
            make_statement(body={"lines": [{"quantity": 12.5}]})

    def test_refuses_an_oversize_statement(self) -> None:
        base = len(make_statement(body={"blob": ""}).canonical)
        largest = make_statement(body={"blob": "x" * (MAX_STATEMENT_BYTES - base)})
        assert len(largest.canonical) == MAX_STATEMENT_BYTES
        expected = rf"^statement has {MAX_STATEMENT_BYTES + 1} canonical bytes; at most {MAX_STATEMENT_BYTES}$"
        with pytest.raises(InvalidValueError, match=expected):
            make_statement(body={"blob": "x" * (MAX_STATEMENT_BYTES - base + 1)})

    def test_canonical_bytes_are_rfc8785_of_its_json(self) -> None:
        statement = make_statement()
        assert statement.canonical == rfc8785.dumps(statement.to_json())

    def test_round_trips_through_json(self) -> None:
        statement = make_statement()
        assert Statement.from_json(json.loads(statement.canonical)) == statement

    def test_refuses_unknown_fields(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^statement has unknown fields \['extra', 'signature'\]$"):
            Statement.from_json({**make_statement().to_json(), "signature": "x", "extra": 1})

    def test_refuses_a_missing_field(self) -> None:
        doc = make_statement().to_json()
        del doc["nonce"]
        with pytest.raises(InvalidValueError, match=r"^nonce None is not valid"):
            Statement.from_json(doc)

    def test_refuses_json_that_is_not_an_object(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^statement must be a JSON object$"):
            Statement.from_json([make_statement().to_json()])


class TestSignature:
    """A signature names a 16-hex-digit key id and carries 64 bytes."""

    @pytest.mark.parametrize("key_id", ["0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "g123456789abcdef"])
    def test_refuses_bad_key_ids(self, key_id: str) -> None:
        expected = rf"^key_id '{key_id}' is not valid; expected 16 lowercase hex digits$"
        with pytest.raises(InvalidValueError, match=expected):
            make_signature(key_id=key_id)

    @pytest.mark.parametrize("length", [0, 63, 65])
    def test_refuses_values_that_are_not_64_bytes(self, length: int) -> None:
        with pytest.raises(InvalidValueError, match=rf"^Ed25519 signature has {length} bytes; expected 64$"):
            make_signature(value=bytes(length))

    def test_round_trips_through_json(self) -> None:
        signature = make_signature()
        value = base64.b64encode(bytes(range(64))).decode()
        assert signature.to_json() == {"key_id": "0123456789abcdef", "value": value}
        assert Signature.from_json(signature.to_json()) == signature

    @pytest.mark.parametrize(
        ("doc", "message"),
        [
            ({"key_id": "0123456789abcdef"}, r"^signature must be an object with exactly key_id and value$"),
            ({"key_id": "0123456789abcdef", "value": "", "alg": "ed25519"}, r"^signature must be an object with"),
            ({"key_id": "0123456789abcdef", "value": "not base64!"}, r"^signature value is not standard base64$"),
            ({"key_id": "0123456789abcdef", "value": 64}, r"^signature value is not standard base64$"),
        ],
    )
    def test_refuses_malformed_json(self, doc: dict[str, Any], message: str) -> None:
        with pytest.raises(InvalidValueError, match=message):
            Signature.from_json(doc)


class TestEntry:
    """An entry's canonical bytes are RFC 8785 of its JSON, and its hash is the RFC 9162 leaf hash of them."""

    @settings(max_examples=150, deadline=None)
    @given(
        body=bodies,
        index=st.integers(0, MAX_SAFE_INTEGER),
        prev=st.binary(min_size=32, max_size=32),
        moment=moments,
        value=st.binary(min_size=64, max_size=64),
    )
    def test_canonical_equals_rfc8785_and_hashes_as_a_leaf(
        self, body: dict[str, Any], index: int, prev: bytes, moment: datetime, value: bytes
    ) -> None:
        entry = make_entry(index=index, prev=Hash(prev), logged_at=format_timestamp(moment),
                           statement=make_statement(body=body), signature=make_signature(value=value))
        assert entry.canonical == rfc8785.dumps(entry.to_json())
        assert entry.hash == hashlib.sha256(b"\x00" + entry.canonical).digest()
        assert Entry.from_canonical(entry.canonical) == entry

    def test_first_entry_links_to_the_zero_hash(self) -> None:
        entry = make_entry(index=0, prev=ZERO_HASH)
        assert entry.to_json()["prev"] == "0" * 64
        assert Entry.from_canonical(entry.canonical).prev == ZERO_HASH

    def test_differs_in_hash_when_any_field_differs(self) -> None:
        entry = make_entry()
        others = [make_entry(index=8), make_entry(prev=ZERO_HASH), make_entry(logged_at="2026-11-26T09:30:02Z"),
                  make_entry(statement=make_statement(nonce="n0nce-0002")),
                  make_entry(signature=make_signature(value=bytes(64)))]
        assert len({entry.hash, *(other.hash for other in others)}) == 6

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(lambda e: json.dumps(e.to_json(), sort_keys=True).encode(), id="spaces"),
            pytest.param(lambda e: json.dumps(e.to_json(), separators=(",", ":")).encode(), id="ascii-escapes"),
            pytest.param(lambda e: e.canonical + b"\n", id="trailing-newline"),
            pytest.param(lambda e: e.canonical.replace(b'{"index":7,', b'{"index":7.0,'), id="float-index"),
            pytest.param(lambda e: json.dumps(dict(reversed(json.loads(e.canonical).items())), ensure_ascii=False,
                                              separators=(",", ":")).encode(), id="keys-reversed"),
        ],
    )
    def test_from_canonical_refuses_bytes_that_are_not_canonical(self, data: Any) -> None:
        entry = make_entry()
        raw = data(entry)
        assert raw != entry.canonical
        with pytest.raises(EncodingError):
            Entry.from_canonical(raw)

    def test_from_canonical_says_why_it_refuses(self) -> None:
        raw = json.dumps(make_entry().to_json(), separators=(",", ":")).encode()
        with pytest.raises(EncodingError, match=r"^entry bytes are not in RFC 8785 canonical form$"):
            Entry.from_canonical(raw)

    @pytest.mark.parametrize("index", [-1, True, "7", None])
    def test_refuses_an_index_that_is_not_a_non_negative_integer(self, index: object) -> None:
        with pytest.raises(InvalidValueError, match=rf"^entry index {index!r} must be a non-negative integer$"):
            make_entry(index=index)

    def test_refuses_a_short_prev(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^prev has 31 bytes; SHA-256 hashes have 32$"):
            make_entry(prev=Hash(bytes(31)))

    def test_refuses_a_logged_at_that_is_not_a_real_time(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^logged_at '2026-02-30T00:00:00Z' is not a real date and time$"):
            make_entry(logged_at="2026-02-30T00:00:00Z")

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"prev": "AB" * 32}, r"^prev '(AB){32}' is not 64 lowercase hex digits$"),
            ({"prev": None}, r"^entry prev must be a hex hash$"),
            ({"extra": 1}, r"^entry must be an object with exactly index, logged_at, prev, signature, statement$"),
        ],
    )
    def test_from_json_refuses_malformed_documents(self, change: dict[str, Any], message: str) -> None:
        with pytest.raises(InvalidValueError, match=message):
            Entry.from_json({**make_entry().to_json(), **change})


class TestReceipt:
    """A receipt carries the entry's place, hash, inclusion proof and signed checkpoint."""

    def test_writes_its_parts_as_json(self) -> None:
        entry = make_entry(index=0, prev=ZERO_HASH)
        log = NoteSigner.generate("nguon.example/log")
        checkpoint = Checkpoint("nguon.example/log", 1, entry.hash)
        signed = SignedCheckpoint(checkpoint, checkpoint.sign(log))
        proof = InclusionProof(0, 1, entry.hash, entry.hash, ())
        assert Receipt(0, entry.hash, proof, signed).to_json() == {
            "index": 0, "hash": entry.hash.hex(), "proof": proof.to_json(), "checkpoint": signed.note,
        }
