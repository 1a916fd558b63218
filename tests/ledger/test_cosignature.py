"""C2SP tlog-cosignature/v1 (Ed25519, type 0x04): known answers, round trips and every refusal."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.checkpoint import Checkpoint
from ledger.core.cosignature import (
    ALG_COSIGNATURE_V1,
    MAX_TIMESTAMP,
    Cosignature,
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
    open_cosigned_checkpoint,
)
from ledger.core.errors import InvalidValueError, NoteError, SignatureError, UnknownKeyError
from ledger.core.hashing import Hash
from ledger.core.note import NoteSigner, key_id
from tests.ledger.test_imports import HEAVY_PACKAGES, modules_loaded_by

# Deterministic vectors: the keys are Ed25519 seeds derived from fixed strings, and Ed25519 signing is
# deterministic (RFC 8032), so every value below is reproducible byte for byte.
WITNESS_NAME = "witness.nguon.example/w1"
WITNESS_SEED = hashlib.sha256(b"nguon cosignature vector").digest()
WITNESS_SKEY = "PRIVATE+KEY+witness.nguon.example/w1+a3a3dd88+BN0j936D4JujvQE3XPHt7OZX2lF2dRwi1Vgm1Hh9MLxN"
WITNESS_VKEY = "witness.nguon.example/w1+a3a3dd88+BKL0KmXNBczOsQXqYY2Y5Coe1w6etmVBNTLwg7uAuVCo"
LOG_SEED = hashlib.sha256(b"nguon log vector").digest()
LOG_VKEY = "nguon.example/log+4392edec+AcJ2ZNmh69/p9digM8RwY/xYaHlYj9uRlIuBwyw7Pfvo"
BODY = "nguon.example/log\n42\nSBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n"
TIMESTAMP = 1767225600
LINE = ("— witness.nguon.example/w1 o6PdiAAAAABpVbkACj0sEd6OjfEwZRcAcS49qtaLJ6aU3jOhaiV9mkLOgYqDeDV35bt03IKCN67srLZlIw"
        "izfJTFmuq9fy+eem7NBg==\n")
LOG_NOTE = (BODY + "\n— nguon.example/log Q5Lt7Fd1j7RJMKz8TXfeiHbVHdKrqwPs61i4WtusEKPuTtt0qmqt0f9OZUVBDi0BhiN+"
            "V1LXj1uGvkzzKaUQXxCmDAg=\n")


def witness_signer() -> CosignatureSigner:
    return CosignatureSigner(WITNESS_NAME, Ed25519PrivateKey.from_private_bytes(WITNESS_SEED))


def log_signer() -> NoteSigner:
    return NoteSigner("nguon.example/log", Ed25519PrivateKey.from_private_bytes(LOG_SEED))


def raw_line(line: str) -> tuple[str, bytes]:
    name, encoded = line[2:-1].split(" ")
    return name, base64.b64decode(encoded)


def with_raw(name: str, raw: bytes) -> str:
    return f"— {name} {base64.b64encode(raw).decode()}\n"


class TestKnownAnswers:
    """The fixed-seed cosigner produces exactly the recorded key texts, key id and cosignature line."""

    def test_key_texts_and_key_id(self) -> None:
        signer = witness_signer()
        assert signer.to_private_text() == WITNESS_SKEY
        assert signer.verifier.to_text() == WITNESS_VKEY
        public = signer.verifier.public_key
        assert signer.verifier.key_id == hashlib.sha256(WITNESS_NAME.encode() + b"\n\x04" + public).digest()[:4]
        assert key_id(WITNESS_NAME, public, ALG_COSIGNATURE_V1).hex() == "a3a3dd88"

    def test_signed_message_is_header_time_line_and_whole_body(self) -> None:
        assert cosigned_message(BODY, TIMESTAMP) == b"cosignature/v1\ntime 1767225600\n" + BODY.encode()

    def test_cosignature_line_is_reproduced(self) -> None:
        assert witness_signer().sign_line(BODY, TIMESTAMP) == LINE

    def test_line_layout_is_key_id_big_endian_timestamp_and_signature(self) -> None:
        name, raw = raw_line(LINE)
        assert name == WITNESS_NAME
        assert len(raw) == 4 + 8 + 64
        assert raw[:4].hex() == "a3a3dd88"
        assert int.from_bytes(raw[4:12], "big") == TIMESTAMP
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(WITNESS_VKEY.split("+")[2])[1:])
        public.verify(raw[12:], b"cosignature/v1\ntime 1767225600\n" + BODY.encode())

    def test_recorded_line_verifies_with_the_recorded_vkey(self) -> None:
        assert CosignatureVerifier.from_text(WITNESS_VKEY).verify_line(BODY, LINE) == TIMESTAMP

    def test_recorded_log_note_reproduces(self) -> None:
        assert log_signer().verifier.to_text() == LOG_VKEY
        assert Checkpoint.from_text(BODY).sign(log_signer()) == LOG_NOTE


class TestRoundTrips:
    """Key texts and lines parse back to what wrote them."""

    def test_verifier_key_text_round_trips(self) -> None:
        assert CosignatureVerifier.from_text(WITNESS_VKEY).to_text() == WITNESS_VKEY

    def test_private_key_text_round_trips(self) -> None:
        assert CosignatureSigner.from_private_text(WITNESS_SKEY).to_private_text() == WITNESS_SKEY

    def test_line_round_trips_with_or_without_its_newline(self) -> None:
        assert Cosignature.from_line(LINE).to_line() == LINE
        assert Cosignature.from_line(LINE[:-1]) == Cosignature.from_line(LINE)

    def test_repr_never_shows_the_private_key(self) -> None:
        assert "PRIVATE" not in repr(witness_signer())
        assert WITNESS_VKEY in repr(witness_signer())

    @settings(max_examples=25, deadline=None)
    @given(timestamp=st.integers(0, MAX_TIMESTAMP), size=st.integers(0, 2**40),
           root=st.binary(min_size=32, max_size=32))
    def test_any_timestamp_and_checkpoint_sign_and_verify(self, timestamp: int, size: int, root: bytes) -> None:
        text = Checkpoint("nguon.example/log", size, Hash(root)).to_text()
        line = witness_signer().sign_line(text, timestamp)
        assert Cosignature.from_line(line).to_line() == line
        assert witness_signer().verifier.verify_line(text, line) == timestamp


class TestRefusals:
    """Every tampered or mismatched cosignature or key is refused with the ledger error for it."""

    def test_refuses_a_note_key_as_a_cosigner_key(self) -> None:
        with pytest.raises(NoteError, match="not cosignature/v1 Ed25519"):
            CosignatureVerifier.from_text(LOG_VKEY)

    def test_refuses_a_vkey_whose_type_byte_was_changed(self) -> None:
        name, hex_id, encoded = WITNESS_VKEY.split("+")
        retyped = base64.b64encode(bytes([0x01]) + base64.b64decode(encoded)[1:]).decode()
        with pytest.raises(NoteError, match="type 01"):
            CosignatureVerifier.from_text(f"{name}+{hex_id}+{retyped}")

    def test_refuses_a_vkey_with_another_key_id(self) -> None:
        with pytest.raises(NoteError, match="does not match its key"):
            CosignatureVerifier.from_text(WITNESS_VKEY.replace("a3a3dd88", "a3a3dd89"))

    def test_refuses_an_uppercase_key_id(self) -> None:
        with pytest.raises(NoteError, match="lowercase hex"):
            CosignatureVerifier.from_text(WITNESS_VKEY.replace("a3a3dd88", "A3A3DD88"))

    def test_refuses_a_private_key_of_another_type(self) -> None:
        with pytest.raises(NoteError, match="04 followed by 32 bytes"):
            CosignatureSigner.from_private_text(log_signer().to_private_text())

    def test_refuses_a_line_with_another_key_id(self) -> None:
        name, raw = raw_line(LINE)
        # The same key and signature under the type-0x01 key id, as a plain note signature would carry.
        note_id = hashlib.sha256(name.encode() + b"\n\x01" + witness_signer().verifier.public_key).digest()[:4]
        with pytest.raises(UnknownKeyError, match=r"not from the expected cosigner .*\+a3a3dd88"):
            witness_signer().verifier.verify_line(BODY, with_raw(name, note_id + raw[4:]))

    def test_refuses_a_line_with_another_name(self) -> None:
        _, raw = raw_line(LINE)
        with pytest.raises(UnknownKeyError):
            witness_signer().verifier.verify_line(BODY, with_raw("witness.nguon.example/w2", raw))

    def test_refuses_a_tampered_timestamp(self) -> None:
        name, raw = raw_line(LINE)
        later = raw[:4] + (TIMESTAMP + 1).to_bytes(8, "big") + raw[12:]
        with pytest.raises(SignatureError, match="at time 1767225601 does not verify"):
            witness_signer().verifier.verify_line(BODY, with_raw(name, later))

    def test_refuses_a_tampered_body(self) -> None:
        with pytest.raises(SignatureError):
            witness_signer().verifier.verify_line(BODY.replace("\n42\n", "\n43\n"), LINE)

    def test_refuses_a_body_with_an_extension_line_added(self) -> None:
        with pytest.raises(SignatureError):
            witness_signer().verifier.verify_line(BODY + "extension\n", LINE)

    def test_refuses_a_tampered_signature(self) -> None:
        name, raw = raw_line(LINE)
        with pytest.raises(SignatureError):
            witness_signer().verifier.verify_line(BODY, with_raw(name, raw[:-1] + bytes([raw[-1] ^ 1])))

    def test_refuses_a_plain_note_signature_over_the_body(self) -> None:
        note_line = LOG_NOTE.split("\n\n")[1]
        with pytest.raises(NoteError, match="key id, timestamp and Ed25519 signature make 76"):
            Cosignature.from_line(note_line)

    def test_refuses_a_timestamp_beyond_2_63(self) -> None:
        name, raw = raw_line(LINE)
        with pytest.raises(NoteError, match="at most 2\\^63 - 1"):
            Cosignature.from_line(with_raw(name, raw[:4] + (2**63).to_bytes(8, "big") + raw[12:]))
        with pytest.raises(InvalidValueError):
            witness_signer().sign_line(BODY, 2**63)

    @pytest.mark.parametrize("line", ["", "— ", "— witness", "- witness.nguon.example/w1 AAAA", "— a b c",
                                      "— witness.nguon.example/w1 not*base64", "— bad+name AAAA",
                                      LINE + LINE], ids=repr)
    def test_refuses_malformed_lines(self, line: str) -> None:
        with pytest.raises(NoteError):
            Cosignature.from_line(line)


def cosigned(note: str, *lines: str) -> str:
    return note + "".join(lines)


class TestOpenCosignedCheckpoint:
    """A checkpoint note yields the witnesses whose cosignatures verify over its own body."""

    def setup_method(self) -> None:
        self.log = log_signer()
        self.w1 = witness_signer()
        self.w2 = CosignatureSigner.generate("witness.nguon.example/w2")
        self.other = CosignatureSigner.generate("witness.other.example/w9")

    def test_reports_known_witnesses_and_ignores_unknown_ones(self) -> None:
        note = cosigned(LOG_NOTE, self.w1.sign_line(BODY, 10), self.other.sign_line(BODY, 11),
                        self.w2.sign_line(BODY, 12))
        opened = open_cosigned_checkpoint(note, self.log.verifier, [self.w1.verifier, self.w2.verifier])
        assert opened.witnesses == (WITNESS_NAME, "witness.nguon.example/w2")
        assert [c.timestamp for _, c in opened.cosignatures] == [10, 12]
        assert opened.checkpoint == Checkpoint.from_text(BODY)

    def test_a_note_with_no_cosignature_has_no_witnesses(self) -> None:
        assert open_cosigned_checkpoint(LOG_NOTE, self.log.verifier, [self.w1.verifier]).witnesses == ()

    def test_counts_a_witness_that_cosigned_twice_once(self) -> None:
        note = cosigned(LOG_NOTE, self.w1.sign_line(BODY, 10), self.w1.sign_line(BODY, 20))
        assert open_cosigned_checkpoint(note, self.log.verifier, [self.w1.verifier]).witnesses == (WITNESS_NAME,)

    def test_refuses_a_cosignature_moved_from_another_checkpoint(self) -> None:
        other_body = BODY.replace("\n42\n", "\n41\n")
        note = cosigned(LOG_NOTE, self.w1.sign_line(other_body, 10))
        with pytest.raises(SignatureError):
            open_cosigned_checkpoint(note, self.log.verifier, [self.w1.verifier])

    def test_covers_extension_lines(self) -> None:
        text = BODY + "extension line\n"
        note = cosigned(Checkpoint.from_text(text).sign(self.log), self.w1.sign_line(text, 10))
        opened = open_cosigned_checkpoint(note, self.log.verifier, [self.w1.verifier])
        assert opened.witnesses == (WITNESS_NAME,)
        moved = cosigned(LOG_NOTE, self.w1.sign_line(text, 10))
        with pytest.raises(SignatureError):
            open_cosigned_checkpoint(moved, self.log.verifier, [self.w1.verifier])

    def test_refuses_a_note_the_log_did_not_sign(self) -> None:
        note = BODY + "\n" + self.w1.sign_line(BODY, 10)
        with pytest.raises(UnknownKeyError):
            open_cosigned_checkpoint(note, self.log.verifier, [self.w1.verifier])


class TestPurity:
    """Cosignatures and the witness protocol verify with no web framework and no ORM loaded."""

    def test_modules_load_no_web_framework_or_orm(self) -> None:
        loaded = modules_loaded_by("ledger.core.cosignature", "ledger.witness.protocol")
        assert sorted(name for name in loaded if name.split(".")[0] in HEAVY_PACKAGES) == []
