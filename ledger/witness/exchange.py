"""The log's side of one C2SP tlog-witness add-checkpoint exchange, over HTTP.

The log sends `old <size the witness last cosigned>` with the consistency proof from that size and the
checkpoint note; on 409 with `text/x.tlog.size` it asks again from the size the witness reports. Of a 200 answer
only the first cosignature line from the witness's configured key that verifies over the checkpoint is kept;
every other line is dropped and logged by what it is, never quoted. No SQL and no thread here.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ledger.core.cosignature import Cosignature, CosignatureVerifier
from ledger.core.errors import InvalidValueError, LedgerError, NoteError, VerificationError
from ledger.core.hashing import Hash
from ledger.core.note import MAX_SIGNATURES
from ledger.store.log import Log
from ledger.store.protocol import StoredCheckpoint
from ledger.witness.protocol import ADD_CHECKPOINT, SIZE_CONTENT_TYPE, AddCheckpointRequest, parse_size_response

logger = logging.getLogger("nguon.witnessing")

MAX_CONFLICTS = 3
"""How many 409 size answers one exchange follows before it gives up."""


class WitnessingError(LedgerError):
    """A witness did not cosign: unreachable, refused, or answered something that does not verify."""


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness: its submission prefix (`…/add-checkpoint` is appended) and its cosigner key."""

    url: str
    key: CosignatureVerifier

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise InvalidValueError(f"witness URL {self.url!r} must start with http:// or https://")

    @classmethod
    def from_config(cls, text: str) -> "WitnessEndpoint":
        """Parse `<submission URL> <verifier key>` (NGUON_WITNESSES); InvalidValueError otherwise."""
        fields = text.split()
        if len(fields) != 2:
            raise InvalidValueError(f"witness {text!r} must be '<submission URL> <verifier key>'")
        try:
            return cls(fields[0].rstrip("/"), CosignatureVerifier.from_text(fields[1]))
        except NoteError as exc:
            raise InvalidValueError(f"witness {text!r}: {exc}") from exc


class WitnessExchange:
    """Add-checkpoint exchanges between `log` and its witnesses, remembering the size each witness last
    cosigned: as it last said, else `stored(key name)` (the book of cosignatures), else 0 (the witness
    corrects it with 409)."""

    def __init__(self, log: Log, http: httpx.Client, stored: Callable[[str], int]) -> None:
        self.log = log
        self._http = http
        self._stored = stored
        self.known: dict[str, int] = {}

    def last_cosigned(self, endpoint: WitnessEndpoint) -> int:
        if endpoint.url not in self.known:
            self.known[endpoint.url] = self._stored(endpoint.key.name)
        return self.known[endpoint.url]

    def add_checkpoint(self, endpoint: WitnessEndpoint, checkpoint: StoredCheckpoint) -> Cosignature | None:
        """The witness's verified cosignature of `checkpoint`; None when it already cosigned a larger one.

        Raises WitnessingError for a refusal, an answer without a verifying cosignature, or a witness beyond
        this log; httpx.HTTPError when it cannot be reached.
        """
        old = self.last_cosigned(endpoint)
        for _ in range(MAX_CONFLICTS):
            if old > checkpoint.size:
                self._check_within_log(old)
                return None
            response = self._http.post(f"{endpoint.url}/{ADD_CHECKPOINT}", content=self._request(old, checkpoint),
                                       headers={"Content-Type": "text/plain; charset=utf-8"})
            if response.status_code == 409 and response.headers.get("content-type", "").startswith(SIZE_CONTENT_TYPE):
                old = self.known[endpoint.url] = parse_size_response(response.text)
                continue
            if response.status_code != 200:
                raise WitnessingError(f"witness {endpoint.url} answered {response.status_code} to checkpoint "
                                      f"{checkpoint.size} from old size {old}: {response.text[:500]!r}")
            cosignature = verified_cosignature(endpoint, checkpoint, response.text)
            self.known[endpoint.url] = checkpoint.size
            return cosignature
        raise WitnessingError(f"witness {endpoint.url} answered 409 Conflict {MAX_CONFLICTS} times for checkpoint "
                              f"{checkpoint.size}; last reported size {old}")

    def _check_within_log(self, old: int) -> None:
        with self.log.store.read() as view:
            size = view.head().size
        if old > size:
            raise WitnessingError(f"a witness cosigned size {old} of {self.log.origin}, beyond this log's size {size}: "
                                  "is it following another log with this origin?")

    def _request(self, old: int, checkpoint: StoredCheckpoint) -> bytes:
        """The add-checkpoint body for `checkpoint` with the consistency proof from `old` (at most its size)."""
        proof: tuple[Hash, ...] = ()
        if old not in (0, checkpoint.size):
            with self.log.store.read() as view:
                proof = self.log.consistency(view, old, checkpoint.size).hashes
        return AddCheckpointRequest(old, proof, checkpoint.note).to_text().encode()


def verified_cosignature(endpoint: WitnessEndpoint, checkpoint: StoredCheckpoint, body: str) -> Cosignature:
    """The first cosignature in a 200 body that verifies with the witness's configured key. Every other line
    (malformed, from another key, or from this key but not over this checkpoint) is dropped and logged by what
    it is, never kept. Raises WitnessingError when no line is that cosignature."""
    if not body.endswith("\n") or not body.strip():
        raise WitnessingError(f"witness {endpoint.url} answered 200 with {body[:200]!r}; expected "
                              "cosignature lines each ending in a newline")
    text = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
    mine = None
    dropped: list[str] = []
    lines = body[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        dropped.append(f"{len(lines) - MAX_SIGNATURES} lines past the first {MAX_SIGNATURES}, unread")
    for number, line in enumerate(lines[:MAX_SIGNATURES], start=1):
        cosignature, why = _read_line(endpoint, text, checkpoint.size, line)
        if cosignature is None:
            dropped.append(f"line {number} {why}")
        elif mine is None:
            mine = cosignature
        else:
            dropped.append(f"line {number}, a further cosignature from {why}")
    if dropped:
        logger.warning("witness %s: dropped %d line(s) of its answer: %s", endpoint.url, len(dropped),
                       "; ".join(dropped[:10]))
    if mine is None:
        raise WitnessingError(f"witness {endpoint.url} returned no cosignature from its configured key "
                              f"{endpoint.key.to_text()} that verifies over checkpoint {checkpoint.size}")
    return mine


def _read_line(endpoint: WitnessEndpoint, text: str, size: int, line: str) -> tuple[Cosignature | None, str]:
    """The line's cosignature if it is the witness's own over `text`, and who wrote it; else None and why not."""
    try:
        cosignature = Cosignature.from_line(line)
    except (NoteError, InvalidValueError) as exc:
        return None, f"malformed ({str(exc)[:80]})"
    who = f"{cosignature.name[:100]}+{cosignature.key_id.hex()}"
    if not endpoint.key.matches(cosignature.name, cosignature.key_id):
        return None, f"from {who}, not the configured key"
    try:
        endpoint.key.verify(text, cosignature)
    except VerificationError:
        return None, f"from {who} does not verify over checkpoint {size}"
    return cosignature, who
