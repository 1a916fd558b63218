"""The JSON shapes of the verdict document, as pydantic models generated from its frozen facts.

The OpenAPI document describes the resolver's and the bundle route's answers with these models; the routes
serve `VerdictDocument.to_json()` as it is, so the models describe that JSON and never reshape it. Each
fact's model is generated from its dataclass (`fact_model`), so a renamed field renames the documented one;
what `Verdict.to_json` reshapes (a reason's message, a claim as its indication's fields with its status and
right, a certification with its status today, an event with its EPCIS type and action, organisations by id)
is declared here, beside the generation. Every key is always served, null or not, so every field is required.
"""

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from registry.verdict.checks import VERDICTS
from registry.verdict.facts import Names
from registry.verdict.record import Event, Reason, Verdict
from registry.verdict.rights import Certification, Indication, Right

_CONFIG = ConfigDict(extra="forbid", frozen=True)


def one_of(*values: str) -> Any:
    """The annotation `Literal[*values]`, of values known at run time."""
    return Literal.__getitem__(values)


def _list(item: Any) -> Any:
    return types.GenericAlias(list, (item,))


VERDICT = one_of("authentic", *VERDICTS)
VERDICT_MEANING = (
    "The gravest outcome among the failing checks (`reasons`): `unknown` (no such batch is registered), `recalled` "
    "(the batch itself was recalled: neither sell nor use it; `batch.recall` gives who, when and why), `invalid` (a "
    "GI or mark claim that did not hold, a retracted registration, a serial never issued, a failed certification "
    "of the batch), `warning` (an input was recalled, see `inputs[].recall`; a certification revoked, failed for "
    "the product or producer, or not valid today; an origin outside a GI area as amended since; scans that look "
    "like a copied code), or `authentic` when every check holds.")


def _shape(hint: Any) -> Any:
    """The annotation of a fact's value as JSON: a fact becomes its model, a tuple a list."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return fact_model(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return typing.Union.__getitem__(tuple(_shape(a) for a in args))
    if origin is tuple:
        return _list(_shape(args[0]))
    return hint


def _fields(kind: type, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
    hints = typing.get_type_hints(kind)
    return {f.name: (_shape(hints[f.name]), ...) for f in dataclasses.fields(kind) if f.name not in without}


def _model(model_name: str, doc: str | None, /, **fields: Any) -> type[BaseModel]:
    return create_model(model_name, __config__=_CONFIG, __doc__=doc, **fields)


@cache
def fact_model(kind: type) -> type[BaseModel]:
    """The model of a fact's JSON (`registry.verdict.facts.plain`): its dataclass fields, named `Verdict<Kind>`."""
    said = kind.__doc__
    # A dataclass without a docstring is given its signature as one: not a description.
    doc = None if said is None or said.startswith(f"{kind.__name__}(") else said
    return _model(f"Verdict{kind.__name__}", doc, **_fields(kind))


REASON = _model("VerdictReason", Reason.__doc__, **_fields(Reason, without=("en", "vi")),
                message=(fact_model(Names), ...))
CLAIM = _model("VerdictClaim", "A GI or mark the batch claims (the indication's fields), with the claim's status "
               "on the production date and on the day of registration, and the right of use behind it.",
               **_fields(Indication), status=(str, ...), status_at_registration=(str, ...),
               right=(fact_model(Right) | None, ...))
CERTIFICATION = _model("VerdictCertification", "A certification of the batch, its product or its producer, with "
                       "its status today.", **_fields(Certification), status=(str, ...))
EVENT = _model("VerdictEvent", "An EPCIS 2.0 ObjectEvent of the batch.", type=(one_of("ObjectEvent"), ...),
               action=(one_of("OBSERVE"), ...), **_fields(Event))
FACTS = _model("VerdictFacts", "The verdict on a batch and the facts it rests on, as judged on `as_of`.",
               **_fields(Verdict, without=("verdict", "reasons", "claims", "certifications", "events",
                                           "organisations")),
               verdict=(VERDICT, Field(description=VERDICT_MEANING)), reasons=(_list(REASON), ...),
               claims=(_list(CLAIM), ...),
               certifications=(_list(CERTIFICATION), ...), events=(_list(EVENT), ...),
               organisations=(types.GenericAlias(dict, (str, fact_model(Names))), ...))
INCLUSION_PROOF = _model("VerdictInclusionProof", "An RFC 9162 inclusion proof, hashes in hex.",
                         index=(int, ...), size=(int, ...), leaf_hash=(str, ...), root=(str, ...),
                         hashes=(list[str], ...))
PROVED_ENTRY = _model("VerdictProvedEntry", "A cited entry as the log serves it, its leaf hash (hex) and its "
                      "inclusion proof under the evidence's checkpoint.", index=(int, ...), hash=(str, ...),
                      entry=(dict[str, Any], ...), proof=(INCLUSION_PROOF, ...))
EVIDENCE = _model("VerdictEvidence", "The signed checkpoint (cosignatures included) and every cited entry proved "
                  "under it.", checkpoint=(str, ...), entries=(_list(PROVED_ENTRY), ...))
DOCUMENT = create_model("VerdictDocument", __base__=FACTS, __doc__="The verdict document the resolver serves: the "
                        "verdict and its facts, whether the outputs listed were cut short, and the evidence.",
                        outputs_truncated=(bool, ...), evidence=(EVIDENCE, ...))
