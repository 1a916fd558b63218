"""The consumer page: the verdict of a scanned code in Vietnamese (default) or English, as plain HTML.

Mobile-first, no external assets, no JavaScript. Language: `?lang=vi|en`, else Accept-Language, else vi.
The templates read the typed verdict document (`registry.verdict.document.VerdictDocument`) by attribute, and
write its facts for people through `registry.words.Writer` (`w`): names, not ids; local dates and times; units
in words. What went wrong is said in plain sentences (`api.pages.findings`); the verdict's own reasons, with
their codes and the log entries each rests on, are kept among the expert details. The words are in `api.pages.words`.
"""

import dataclasses
from functools import cache
from typing import Any

from fastapi import Request
from jinja2 import Environment, PackageLoader, TemplateRuntimeError, Undefined, UndefinedError, select_autoescape
from jinja2.utils import missing

from api.digital_link import DigitalLink
from api.pages.findings import findings
from api.pages.passport import PASSPORT_TEXT
from api.pages.words import BIZ_STEPS, DISPOSITIONS, KINDS, TEXT
from api.settings import DEFAULT_REPORT_CONTACT, ReportContact
from registry.verdict.document import VerdictDocument
from registry.verdict.record import Verdict
from registry.words import Writer, local_time

LANGUAGES = ("vi", "en")


def wants_language(request: Request, lang: str | None) -> str:
    if lang in LANGUAGES:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "vi"


class _NoSuchField(Undefined):
    """What a template reads of a fact: an absent fact (None) reads as empty, as ever, but a field the fact's
    type does not have (a renamed or mistyped one) is an error, so a page cannot silently lose a line."""

    __slots__ = ()

    def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None,
                 exc: type[TemplateRuntimeError] = UndefinedError) -> None:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            raise UndefinedError(f"{type(obj).__name__} has no field {name!r}; it has "
                                 f"{', '.join(f.name for f in dataclasses.fields(obj))}")
        super().__init__(hint, obj, name, exc)


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api.pages", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, undefined=_NoSuchField)


def witnesses(checkpoint: str) -> int:
    """How many cosignatures a signed checkpoint carries besides the log's own signature (C2SP signed note: the
    text, a blank line, then one "— <key name> <signature>" line per signature; the log signs as its origin)."""
    text, _, signatures = checkpoint.partition("\n\n")
    origin = text.split("\n", 1)[0]
    names = {line.split(" ")[1] for line in signatures.split("\n") if line.startswith("— ") and " " in line[2:]}
    return len(names - {origin})


def journey(verdict: Verdict) -> list[tuple[str, Any]]:
    """What happened to a registered batch, oldest first, as (what, fact): the inputs it was made from
    ("input"), its making ("produced", the batch), its events ("event"), what was made from it ("output") and
    its recall ("recall"). Days and local times sort together (an event is placed by its time in Viet Nam)."""
    batch = verdict.batch
    assert batch is not None  # noqa: S101  (only a registered batch has a page with a journey)
    steps: list[tuple[str, str, Any]] = [(i.produced_on or "", "input", i) for i in verdict.inputs]
    steps.append((batch.produced_on, "produced", batch))
    steps += [(local_time(e.event_time), "event", e) for e in verdict.events]
    steps += [(o.produced_on, "output", o) for o in verdict.outputs]
    if batch.recall is not None:
        steps.append((batch.recall.on, "recall", batch.recall))
    return [(what, fact) for _, what, fact in sorted(steps, key=lambda step: step[0])]


def _context(link: DigitalLink, document: VerdictDocument, lang: str, report: ReportContact) -> dict[str, Any]:
    verdict = document.verdict
    w = Writer(lang, {o.id: o.names for o in verdict.organisations if o.names is not None})
    i = 0 if lang == "vi" else 1
    return {"lang": lang, "t": TEXT[lang], "link": link, "doc": document, "verdict": verdict, "w": w,
            "findings": findings(verdict, w), "journey": journey(verdict) if verdict.batch else [],
            "report": getattr(report, lang), "witnesses": witnesses(document.evidence.checkpoint),
            "other_lang": "en" if lang == "vi" else "vi",
            "step": lambda name: BIZ_STEPS.get(name, ("Sự kiện khác", "Other event"))[i],
            "disposition": lambda name: DISPOSITIONS[name][i] if name in DISPOSITIONS else "",
            "kind": lambda name: KINDS.get(name, ("Một thông tin", "A statement"))[i],
            "short": lambda digest: f"{digest.hex()[:12]}…",
            "passport": PASSPORT_TEXT[lang]}


def render_verdict(link: DigitalLink, document: VerdictDocument, lang: str, base_url: str,
                   report: ReportContact = DEFAULT_REPORT_CONTACT) -> str:
    """The page of a registered batch or item, in `lang`; `report` says whom to tell about one that is not valid
    (the deployment's NGUON_REPORT_CONTACT)."""
    context = _context(link, document, lang, report)
    context["json_url"] = link.uri(base_url)
    context["base_url"] = base_url
    return _environment().get_template("verdict.html").render(**context)


def render_not_found(link: DigitalLink, document: VerdictDocument, lang: str,
                     report: ReportContact = DEFAULT_REPORT_CONTACT) -> str:
    """The page of a code no batch has."""
    return _environment().get_template("not_found.html").render(**_context(link, document, lang, report))
