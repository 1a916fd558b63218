"""C2SP signed notes with Ed25519: known answers, verification outcomes and refusals of malformed text."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.errors import InvalidValueError, NoteError, SignatureError, UnknownKeyError, VerificationError
from ledger.core.note import MAX_SIGNATURES, NoteSigner, NoteVerifier, key_id, open_note, sign_note, split_note

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "signed-note" / "vectors.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = VECTORS["cases"]
NEGATIVE: list[dict[str, Any]] = VECTORS["negative"]

TEXT = "nguon.example/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"

key_names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).filter(
    lambda name: "+" not in name and not any(c.isspace() for c in name)
)


def describe(case: dict[str, Any]) -> str:
    return str(case["desc"])


def make_signer(name: str = "nguon.example/log") -> NoteSigner:
    return NoteSigner.generate(name)


def make_note(text: str = TEXT, *signers: NoteSigner) -> str:
    return sign_note(text, signers or [make_signer()])


class TestKnownAnswers:
    """The signed-note vectors open, sign and round-trip exactly as published."""

    def test_vector_file_holds_cases_with_and_without_private_keys(self) -> None:
        assert len(CASES) == 3
        assert sum("skey" in case for case in CASES) == 1
        assert len(NEGATIVE) == 3

    @pytest.mark.parametrize("case", CASES, ids=describe)
    def test_opens_with_its_verifier_key(self, case: dict[str, Any]) -> None:
        verifier = NoteVerifier.from_text(case["vkey"])
        note = open_note(case["signed"], [verifier])
        assert note.text == case["text"]
        assert [(s.name, s.key_id) for s in note.verified] == [(verifier.name, verifier.key_id)]
        assert note.unverified == ()

    @pytest.mark.parametrize("case", CASES, ids=describe)
    def test_verifier_key_text_round_trips(self, case: dict[str, Any]) -> None:
        assert NoteVerifier.from_text(case["vkey"]).to_text() == case["vkey"]

    @pytest.mark.parametrize("case", [c for c in CASES if "skey" in c], ids=describe)
    def test_signing_reproduces_the_note_byte_for_byte(self, case: dict[str, Any]) -> None:
        signer = NoteSigner.from_private_text(case["skey"])
        assert sign_note(case["text"], [signer]).encode() == case["signed"].encode()

    @pytest.mark.parametrize("case", [c for c in CASES if "skey" in c], ids=describe)
    def test_private_key_text_round_trips_and_matches_its_verifier_key(self, case: dict[str, Any]) -> None:
        signer = NoteSigner.from_private_text(case["skey"])
        assert signer.to_private_text() == case["skey"]
        assert signer.verifier.to_text() == case["vkey"]

    @pytest.mark.parametrize("case", NEGATIVE, ids=describe)
    def test_refuses_every_negative_case(self, case: dict[str, Any]) -> None:
        if "signed" not in case:
            with pytest.raises(NoteError):
                NoteVerifier.from_text(case["vkey"])
            return
        verifier = NoteVerifier.from_text(case["vkey"])
        with pytest.raises(VerificationError):
            open_note(case["signed"], [verifier])

    def test_refuses_the_altered_signature_as_a_bad_signature(self) -> None:
        (case,) = [c for c in NEGATIVE if "signed" in c]
        with pytest.raises(SignatureError, match=r"^signature by PeterNeumann\+c74f20a3 does not verify$"):
            open_note(case["signed"], [NoteVerifier.from_text(case["vkey"])])


class TestOpenNote:
    """open_note sorts signatures into verified and unknown, and raises when no known key signed."""

    def test_opens_a_note_signed_by_a_known_key(self) -> None:
        signer = make_signer()
        note = open_note(make_note(TEXT, signer), [signer.verifier])
        assert note.text == TEXT
        assert [s.name for s in note.verified] == [signer.name]

    def test_keeps_signatures_of_unknown_keys_as_unverified(self) -> None:
        log, witness = make_signer(), make_signer("witness.example")
        note = open_note(make_note(TEXT, log, witness), [log.verifier])
        assert [s.name for s in note.verified] == [log.name]
        assert [(s.name, s.key_id) for s in note.unverified] == [(witness.name, witness.verifier.key_id)]

    def test_unknown_key_raises_unknown_key_error_naming_the_signers(self) -> None:
        signer = make_signer()
        signed_by = rf"nguon\.example/log\+{signer.verifier.key_id.hex()}"
        expected = rf"^note is signed by {signed_by}; none of them is a known key$"
        with pytest.raises(UnknownKeyError, match=expected):
            open_note(make_note(TEXT, signer), [make_signer().verifier])

    def test_known_key_with_a_bad_signature_raises_signature_error(self) -> None:
        signer = make_signer()
        tampered = make_note(TEXT, signer).replace("\n42\n", "\n43\n")
        with pytest.raises(SignatureError, match=rf"^signature by nguon\.example/log\+{signer.verifier.key_id.hex()}"):
            open_note(tampered, [signer.verifier])

    def test_one_bad_known_signature_fails_the_note_even_beside_a_good_one(self) -> None:
        log, witness = make_signer(), make_signer("witness.example")
        good = make_note(TEXT, log)
        forged = witness.sign_line("some other text\n")
        with pytest.raises(SignatureError):
            open_note(good + forged, [log.verifier, witness.verifier])

    def test_a_key_with_the_same_name_but_another_id_is_unknown(self) -> None:
        with pytest.raises(UnknownKeyError):
            open_note(make_note(TEXT, make_signer("same")), [make_signer("same").verifier])


class TestMalformedNotes:
    """Notes that break the signed-note syntax are refused with NoteError before any verification."""

    def note_lines(self, *lines: str) -> str:
        return TEXT + "\n" + "".join(f"{line}\n" for line in lines)

    def good_line(self) -> str:
        return make_signer().sign_line(TEXT).rstrip("\n")

    def test_refuses_a_note_without_a_blank_line(self) -> None:
        with pytest.raises(NoteError, match=r"^note has no signature block"):
            split_note(TEXT + self.good_line() + "\n")

    def test_refuses_a_note_without_a_trailing_newline(self) -> None:
        with pytest.raises(NoteError, match=r"^note has no signature block"):
            split_note(self.note_lines(self.good_line()).rstrip("\n"))

    def test_refuses_a_note_without_signature_lines(self) -> None:
        with pytest.raises(NoteError, match=r"^note has no signature lines$"):
            split_note(TEXT + "\n")

    def test_refuses_a_signature_that_is_not_base64(self) -> None:
        with pytest.raises(NoteError, match=r"^signature 'not\*base64' is not standard base64$"):
            split_note(self.note_lines("— nguon.example/log not*base64"))

    def test_refuses_a_signature_line_without_the_em_dash_prefix(self) -> None:
        line = self.good_line().replace("— ", "- ", 1)
        with pytest.raises(NoteError, match=r"does not start with '— '$"):
            split_note(self.note_lines(line))

    def test_refuses_a_signature_line_with_extra_fields(self) -> None:
        with pytest.raises(NoteError, match=r"is not '— name signature'$"):
            split_note(self.note_lines(self.good_line() + " extra"))

    def test_refuses_a_key_name_with_a_plus_sign(self) -> None:
        _, signature = self.good_line().removeprefix("— ").split(" ")
        with pytest.raises(NoteError, match=r"^key name 'nguon\+log' must be non-empty, without spaces or '\+'$"):
            split_note(self.note_lines(f"— nguon+log {signature}"))

    def test_refuses_a_signature_too_short_to_hold_a_key_id(self) -> None:
        with pytest.raises(NoteError, match=r"^signature by a has 4 bytes; at least 5 expected$"):
            split_note(self.note_lines("— a " + base64.b64encode(b"abcd").decode()))

    def test_accepts_one_hundred_signatures(self) -> None:
        _, signatures = split_note(self.note_lines(*[self.good_line()] * MAX_SIGNATURES))
        assert len(signatures) == MAX_SIGNATURES

    def test_refuses_more_than_one_hundred_signatures(self) -> None:
        with pytest.raises(NoteError, match=r"^note has 101 signatures; at most 100 are accepted$"):
            split_note(self.note_lines(*[self.good_line()] * (MAX_SIGNATURES + 1)))

    def test_refuses_a_note_over_one_megabyte(self) -> None:
        with pytest.raises(NoteError, match=r"^note is larger than 1 MB$"):
            split_note("x" * 1_000_000 + "\n\n" + self.good_line() + "\n")

    def test_refuses_text_with_a_blank_line(self) -> None:
        with pytest.raises(NoteError, match=r"^note text must not hold blank lines$"):
            split_note("a\n\nb\n\n" + self.good_line() + "\n")

    def test_open_note_refuses_malformed_notes_too(self) -> None:
        signer = make_signer()
        with pytest.raises(NoteError):
            open_note(make_note(TEXT, signer).replace("— ", "-- "), [signer.verifier])


class TestSignNote:
    """sign_note appends one signature line per signer to text that is a valid note body."""

    def test_appends_a_blank_line_and_one_line_per_signer(self) -> None:
        first, second = make_signer("first"), make_signer("second")
        note = sign_note(TEXT, [first, second])
        assert note == TEXT + "\n" + first.sign_line(TEXT) + second.sign_line(TEXT)

    def test_signature_line_carries_the_key_id_then_the_signature(self) -> None:
        signer = make_signer()
        raw = base64.b64decode(signer.sign_line(TEXT).removeprefix(f"— {signer.name} ").rstrip("\n"))
        assert raw[:4] == signer.verifier.key_id
        signer.verifier.verify(TEXT.encode(), raw[4:])

    def test_refuses_text_without_a_trailing_newline(self) -> None:
        with pytest.raises(NoteError, match=r"^note text must end with a newline$"):
            sign_note(TEXT.rstrip("\n"), [make_signer()])

    def test_refuses_text_with_a_blank_line(self) -> None:
        with pytest.raises(NoteError, match=r"^note text must not hold blank lines$"):
            sign_note("a\n\nb\n", [make_signer()])

    def test_refuses_to_sign_with_no_signers(self) -> None:
        with pytest.raises(NoteError, match=r"^a note needs at least one signature$"):
            sign_note(TEXT, [])


class TestKeys:
    """Verifier and signer keys round-trip through their text forms; the private key never prints."""

    @settings(max_examples=50, deadline=None)
    @given(key_names)
    def test_verifier_key_text_round_trips(self, name: str) -> None:
        verifier = make_signer(name).verifier
        assert NoteVerifier.from_text(verifier.to_text()) == verifier

    @settings(max_examples=50, deadline=None)
    @given(key_names)
    def test_private_key_text_round_trips(self, name: str) -> None:
        signer = make_signer(name)
        again = NoteSigner.from_private_text(signer.to_private_text())
        assert again.verifier == signer.verifier
        assert again.sign_line(TEXT) == signer.sign_line(TEXT)

    def test_key_id_is_the_sha256_prefix_of_name_newline_algorithm_and_key(self) -> None:
        verifier = NoteVerifier.from_text(CASES[1]["vkey"])
        assert key_id(verifier.name, verifier.public_key).hex() == "c74f20a3"

    def test_signer_repr_hides_the_private_key(self) -> None:
        signer = make_signer()
        private_text = signer.to_private_text()
        seed_base64 = private_text.split("+", 4)[4]
        for shown in (repr(signer), str(signer), f"{signer}", repr([signer])):
            assert private_text not in shown
            assert seed_base64 not in shown
            assert signer.private_key.private_bytes_raw().hex() not in shown
        assert repr(signer) == f"NoteSigner({signer.verifier.to_text()!r})"

    @pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there", "nbsp\u00a0here"])
    def test_refuses_key_names_with_spaces_or_plus(self, name: str) -> None:
        with pytest.raises(InvalidValueError, match=r"must be non-empty, without spaces or '\+'$"):
            make_signer(name)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("just-a-name", r"is not name\+hexid\+base64key$"),
            ("a+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", r"^verifier key id 'C74F20A3' is not 8"),
            ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
             r"^verifier key id c74f20a4 does not match its key \(expected c74f20a3\)$"),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10", r"is not standard base64$"),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", r"has 29 key bytes; expected 32$"),
            ("PeterNeumann+c74f20a3+", r"type none is not Ed25519 \(01\)$"),
            ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", r"without spaces or '\+'$"),
        ],
    )
    def test_refuses_malformed_verifier_keys(self, text: str, message: str) -> None:
        with pytest.raises(NoteError, match=message):
            NoteVerifier.from_text(text)

    @pytest.mark.parametrize(
        "text",
        [
            "PRIVATE+KEY+PeterNeumann+c74f20a3",
            "SECRET+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD",
            "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        ],
    )
    def test_refuses_malformed_private_keys_without_echoing_them(self, text: str) -> None:
        with pytest.raises(NoteError) as caught:
            NoteSigner.from_private_text(text)
        assert "AYEKFALVFGyNhPJEMzD1QIDr" not in str(caught.value)
