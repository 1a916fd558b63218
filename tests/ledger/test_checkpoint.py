"""C2SP tlog-checkpoints: the body's text form, and signed checkpoints opened with the log key."""

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.checkpoint import Checkpoint, open_checkpoint
from ledger.core.errors import InvalidValueError, NoteError, UnknownKeyError, VerificationError
from ledger.core.hashing import Hash, leaf_hash
from ledger.core.note import NoteSigner, sign_note

ORIGIN = "nguon.example/log"
ROOT = leaf_hash(b"root")

lines = st.text(st.characters(codec="utf-8", exclude_characters="\n"), min_size=1, max_size=30)
origins = lines.filter(lambda line: line == line.strip())
roots = st.binary(min_size=32, max_size=32).map(Hash)


def make_checkpoint(**overrides: Any) -> Checkpoint:
    fields: dict[str, Any] = {"origin": ORIGIN, "size": 42, "root": ROOT, "extensions": ()}
    return Checkpoint(**{**fields, **overrides})


def body(*body_lines: str) -> str:
    return "".join(f"{line}\n" for line in body_lines)


ROOT_B64 = base64.b64encode(ROOT).decode()


class TestCheckpointText:
    """A checkpoint body is origin, size and base64 root lines, then any extension lines."""

    def test_writes_origin_size_and_base64_root_lines(self) -> None:
        assert make_checkpoint().to_text() == f"{ORIGIN}\n42\n{ROOT_B64}\n"

    def test_reads_the_c2sp_example(self) -> None:
        text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        checkpoint = Checkpoint.from_text(text)
        assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
        assert checkpoint.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        assert checkpoint.extensions == ()
        assert checkpoint.to_text() == text

    def test_writes_extension_lines_after_the_root(self) -> None:
        checkpoint = make_checkpoint(extensions=("— note: not a signature", "timestamp 1700000000"))
        assert checkpoint.to_text() == body(ORIGIN, "42", ROOT_B64, "— note: not a signature", "timestamp 1700000000")
        assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint

    def test_writes_the_empty_tree_with_size_zero(self) -> None:
        assert Checkpoint.from_text(body(ORIGIN, "0", ROOT_B64)).size == 0

    @settings(max_examples=200, deadline=None)
    @given(origins, st.integers(0, 2**64), roots, st.lists(lines, max_size=3))
    def test_round_trips_through_text(self, origin: str, size: int, root: Hash, extensions: list[str]) -> None:
        checkpoint = Checkpoint(origin, size, root, tuple(extensions))
        assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (body(ORIGIN, "042", ROOT_B64), r"^checkpoint size '042' is not a decimal number without leading zeros of "
                                              "at most 20 digits$"),
            (body(ORIGIN, "-1", ROOT_B64), r"^checkpoint size '-1' is not a decimal number"),
            (body(ORIGIN, "+1", ROOT_B64), r"^checkpoint size '\+1' is not a decimal number"),
            (body(ORIGIN, " 1", ROOT_B64), r"^checkpoint size ' 1' is not a decimal number"),
            (body(ORIGIN, "١٢", ROOT_B64), r"^checkpoint size '١٢' is not a decimal number"),
            (body(ORIGIN, "", ROOT_B64), r"^checkpoint size '' is not a decimal number"),
            (body(ORIGIN, "１２", ROOT_B64), r"^checkpoint size '１２' is not a decimal number"),
            (body(ORIGIN, "9" * 21, ROOT_B64), r"^checkpoint size '9{21}' is not a decimal number .* 20 digits$"),
            (body(ORIGIN, "9" * 5000, ROOT_B64), r"^checkpoint size '9{40}' is not a decimal number .* 20 digits$"),
            (body(ORIGIN, "42", "not base64!"), r"^checkpoint is malformed: "),
            (body(ORIGIN, "42", ROOT_B64.rstrip("=")), r"^checkpoint is malformed: "),
            (body(ORIGIN, "42", base64.b64encode(ROOT[:31]).decode()),
             r"^checkpoint is malformed: checkpoint root has 31 bytes; SHA-256 hashes have 32$"),
            (body(ORIGIN, "42"), r"^checkpoint body needs origin, size and root lines"),
            (body(ORIGIN), r"^checkpoint body needs origin, size and root lines"),
            (f"{ORIGIN}\n42\n{ROOT_B64}", r"^checkpoint body needs origin, size and root lines"),
            (body(ORIGIN, "42", ROOT_B64, ""), r"^checkpoint is malformed: checkpoint extension line '' must be one"),
            (body("", "42", ROOT_B64), r"^checkpoint is malformed: checkpoint origin '' must be one non-empty line$"),
            (body(" " + ORIGIN, "42", ROOT_B64), r"^checkpoint is malformed: checkpoint origin ' nguon"),
        ],
        ids=[
            "leading-zero-size", "negative-size", "plus-sign-size", "space-before-size", "arabic-indic-digits",
            "empty-size", "full-width-digits", "twenty-one-digits", "five-thousand-digits", "bad-base64-root",
            "unpadded-root", "31-byte-root", "missing-root-line", "only-origin",
            "no-final-newline", "empty-extension-line", "empty-origin", "origin-with-leading-space",
        ],
    )
    def test_refuses_malformed_bodies(self, text: str, message: str) -> None:
        with pytest.raises(NoteError, match=message):
            Checkpoint.from_text(text)

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"size": -1}, r"^checkpoint size -1 must be non-negative$"),
            ({"origin": "a\nb"}, r"^checkpoint origin 'a\\nb' must be one non-empty line$"),
            ({"root": Hash(ROOT[:31])}, r"^checkpoint root has 31 bytes; SHA-256 hashes have 32$"),
            ({"extensions": ("two\nlines",)}, r"^checkpoint extension line 'two\\nlines' must be one non-empty line$"),
        ],
    )
    def test_cannot_be_built_from_invalid_fields(self, overrides: dict[str, Any], message: str) -> None:
        with pytest.raises(InvalidValueError, match=message):
            make_checkpoint(**overrides)


class TestSignedCheckpoint:
    """A checkpoint signed by the log key opens with that key only, and only for the key's own origin."""

    def test_opens_what_the_log_key_signed(self) -> None:
        log = NoteSigner.generate(ORIGIN)
        checkpoint = make_checkpoint()
        opened, note = open_checkpoint(checkpoint.sign(log), log.verifier)
        assert opened == checkpoint
        assert [s.name for s in note.verified] == [ORIGIN]

    def test_log_key_signs_first_and_cosignatures_follow(self) -> None:
        log, witness = NoteSigner.generate(ORIGIN), NoteSigner.generate("witness.example")
        text = make_checkpoint().to_text()
        signed = make_checkpoint().sign(log, witness)
        assert signed == text + "\n" + log.sign_line(text) + witness.sign_line(text)
        _, note = open_checkpoint(signed, log.verifier, [witness.verifier])
        assert [s.name for s in note.verified] == [ORIGIN, "witness.example"]

    def test_keeps_unknown_cosignatures_unverified(self) -> None:
        log, witness = NoteSigner.generate(ORIGIN), NoteSigner.generate("witness.example")
        _, note = open_checkpoint(make_checkpoint().sign(log, witness), log.verifier)
        assert [s.name for s in note.unverified] == ["witness.example"]

    def test_sign_refuses_a_log_key_named_otherwise_than_the_origin(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^log key 'other\.example/log' must be named like the origin"):
            make_checkpoint().sign(NoteSigner.generate("other.example/log"))

    def test_refuses_a_checkpoint_signed_by_another_key_of_the_same_name(self) -> None:
        impostor, log = NoteSigner.generate(ORIGIN), NoteSigner.generate(ORIGIN)
        with pytest.raises(UnknownKeyError):
            open_checkpoint(make_checkpoint().sign(impostor), log.verifier)

    def test_refuses_a_checkpoint_signed_only_by_a_known_witness(self) -> None:
        log, witness = NoteSigner.generate(ORIGIN), NoteSigner.generate("witness.example")
        note = sign_note(make_checkpoint().to_text(), [witness])
        with pytest.raises(NoteError, match=r"^checkpoint is not signed by the log key nguon\.example/log\+"):
            open_checkpoint(note, log.verifier, [witness.verifier])

    def test_refuses_an_origin_other_than_the_key_name(self) -> None:
        log = NoteSigner.generate(ORIGIN)
        note = sign_note(make_checkpoint(origin="other.example/log").to_text(), [log])
        with pytest.raises(
            NoteError, match=r"^checkpoint origin 'other\.example/log' is not the log key's name 'nguon\.example/log'$"
        ):
            open_checkpoint(note, log.verifier)

    def test_refuses_a_tampered_size(self) -> None:
        log = NoteSigner.generate(ORIGIN)
        tampered = make_checkpoint().sign(log).replace("\n42\n", "\n43\n", 1)
        with pytest.raises(VerificationError):
            open_checkpoint(tampered, log.verifier)

    def test_refuses_a_signed_note_whose_body_is_not_a_checkpoint(self) -> None:
        log = NoteSigner.generate(ORIGIN)
        with pytest.raises(NoteError, match=r"^checkpoint body needs origin, size and root lines"):
            open_checkpoint(sign_note(f"{ORIGIN}\n42\n", [log]), log.verifier)
