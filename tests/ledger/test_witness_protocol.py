"""The tlog-witness add-checkpoint body and 409 size body: round trips and refusals of malformed text."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.hashing import Hash
from ledger.witness.protocol import (
    MAX_PROOF_LINES,
    MAX_REQUEST_BYTES,
    AddCheckpointRequest,
    MalformedRequestError,
    parse_size_response,
    size_response,
)

NOTE = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/x AAAA\n"
HASH = base64.b64encode(bytes(range(32))).decode()


class TestRequestBody:
    """Request bodies parse into old size, proof and note, and write back byte for byte."""

    def test_parses_the_spec_layout(self) -> None:
        body = f"old 20852014\n{HASH}\n{HASH}\n\n{NOTE}".encode()
        request = AddCheckpointRequest.from_bytes(body)
        assert request.old == 20852014
        assert request.proof == (bytes(range(32)), bytes(range(32)))
        assert request.note == NOTE
        assert request.to_text().encode() == body

    def test_old_zero_has_no_proof_lines(self) -> None:
        request = AddCheckpointRequest.from_bytes(f"old 0\n\n{NOTE}".encode())
        assert (request.old, request.proof, request.note) == (0, (), NOTE)

    @settings(max_examples=30, deadline=None)
    @given(old=st.integers(1, 2**63 - 1), proof=st.lists(st.binary(min_size=32, max_size=32), max_size=MAX_PROOF_LINES))
    def test_round_trips(self, old: int, proof: list[bytes]) -> None:
        request = AddCheckpointRequest(old, tuple(Hash(h) for h in proof), NOTE)
        assert AddCheckpointRequest.from_bytes(request.to_text().encode()) == request

    @pytest.mark.parametrize(("body", "why"), [
        (f"old 5\n{HASH}\n", "no empty line"),
        (f"old 5\n{HASH}\n{NOTE}", "proof line 2 'example.com/behind-the-sofa' is not standard base64"),
        (f"new 5\n\n{NOTE}", "is not 'old <size>'"),
        (f"old 05\n\n{NOTE}", "without leading zeros"),
        (f"old -1\n\n{NOTE}", "without leading zeros"),
        (f"old  5\n\n{NOTE}", "without leading zeros"),
        (f"old 5 \n\n{NOTE}", "without leading zeros"),
        (f"old 9223372036854775808\n\n{NOTE}", "exceeds 2\\^63 - 1"),
        (f"old 5\nnot*base64\n\n{NOTE}", "line 1 'not\\*base64' is not standard base64"),
        (f"old 5\n{base64.b64encode(bytes(31)).decode()}\n\n{NOTE}", "holds 31 bytes"),
        ("old 5\n" + f"{HASH}\n" * (MAX_PROOF_LINES + 1) + f"\n{NOTE}", "at most 63"),
        (f"old 0\n{HASH}\n\n{NOTE}", "must be empty when the old size is 0"),
    ], ids=lambda v: v[:30] if isinstance(v, str) else v)
    def test_refuses_malformed_bodies(self, body: str, why: str) -> None:
        with pytest.raises(MalformedRequestError, match=why):
            AddCheckpointRequest.from_bytes(body.encode())

    def test_refuses_a_body_that_is_not_utf8(self) -> None:
        with pytest.raises(MalformedRequestError, match="not UTF-8"):
            AddCheckpointRequest.from_bytes(b"old 0\n\n\xff\n")

    def test_refuses_an_oversized_body(self) -> None:
        with pytest.raises(MalformedRequestError, match=f"at most {MAX_REQUEST_BYTES}"):
            AddCheckpointRequest.from_bytes(b"old 0\n\n" + b"a" * MAX_REQUEST_BYTES)


class TestSizeResponse:
    """The 409 body is the size in decimal and a newline."""

    def test_round_trips(self) -> None:
        assert size_response(20852014) == "20852014\n"
        assert parse_size_response("20852014\n") == 20852014

    @pytest.mark.parametrize("body", ["", "12", "012\n", "twelve\n", "12\n\n"])
    def test_refuses_other_text(self, body: str) -> None:
        with pytest.raises(MalformedRequestError):
            parse_size_response(body)
