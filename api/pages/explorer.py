"""The log explorer's pages, for an inspector or anyone curious: the latest checkpoint and who witnessed it, a
search of the log, one entry with its key and its proof, and a batch's whole history. Vietnamese by default,
English on request; no login, no JavaScript, no external assets.

Entries are written in words: a kind by `KIND_WORDS`, an organisation, product, GI or mark by its name (read from
the projections, each once), days and times in Viet Nam's time, quantities with unit words. Ids stay only where
they are the thing shown (a lot, a GTIN, a hash) or in the raw JSON a reader unfolds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from api.explorer import Line
from api.pages.log_words import FIELDS, KIND_WORDS, TEXT
from api.pages.producer import ROLES
from api.pages.resolver_pages import Refusal, render_refusal
from api.pages.words import BIZ_STEPS, DISPOSITIONS
from api.pages.words import TEXT as VERDICT_TEXT
from registry.state import State
from registry.tables import (
    RegAccreditation,
    RegCertification,
    RegDelegation,
    RegGi,
    RegKey,
    RegMark,
    RegOrganisation,
    RegPrefixLicence,
    RegProduct,
    RegRight,
)
from registry.verdict.facts import Names, place
from registry.words import Writer

_DAYS = {"effective_on", "expires_on", "granted_on", "produced_on", "valid_from", "valid_until"}
_ORGANISATIONS = {"authority", "certifier", "destination", "holder", "licensee", "manager", "owner", "producer",
                  "source", "organisation"}


class Namer:
    """Names of what entries refer to, read from the projections by primary key, each once."""

    def __init__(self, state: State, w: Writer) -> None:
        self.state, self.w, self.known = state, w, dict[tuple[type[Any], str], Any]()

    def row(self, table: type[Any], key: str) -> Any:
        if (table, key) not in self.known:
            pk = {"gtin": key} if table is RegProduct else {"key_id": key} if table is RegKey else {"id": key}
            self.known[table, key] = self.state.get(table, **pk)
        return self.known[table, key]

    def names(self, table: type[Any], key: str) -> Names | None:
        row = self.row(table, key)
        return None if row is None else Names(row["name_vi"], row["name_en"])

    def organisation(self, org_id: str | None) -> Markup:
        """An organisation by name, linked to its page; one the registry does not hold, said so."""
        names = None if org_id is None else self.names(RegOrganisation, org_id)
        if names is None:
            return escape(TEXT[self.w.lang]["someone"])
        return Markup('<a href="/producers/{}?lang={}">{}</a>').format(org_id, self.w.lang, self.w.names(names))

    def product(self, gtin: str) -> Markup:
        return Markup('<a href="/01/{}?lang={}">{}</a>').format(gtin, self.w.lang,
                                                                 self.w.product(self.names(RegProduct, gtin), gtin))

    def batch(self, gtin: str, lot: str) -> Markup:
        return Markup('<a href="/log/batches/{}/{}?lang={}">{}</a>').format(
            gtin, lot, self.w.lang, self.w.lot(lot, self.names(RegProduct, gtin), gtin))

    def indication(self, kind: str, key: str) -> str:
        names = self.names(RegGi if kind == "gi" else RegMark, key)
        word = VERDICT_TEXT[self.w.lang]["gi" if kind == "gi" else "collective"]
        return f"{word} {self.w.quote(self.w.names(names))}" if names else f"{word} {key}"

    def subject(self, line: Line) -> Markup:
        """What an entry is about, in words: the one-line summary of a list."""
        kind, _, key = line.subject.partition(":")
        w, body = self.w, line.entry["statement"]["body"]
        if kind == "batch":
            gtin, _, lot = key.partition("/")
            return self.batch(gtin, lot)
        if kind == "product":
            return self.product(key)
        if kind == "organisation":
            return self.organisation(key)
        if kind in ("gi", "mark"):
            return escape(self.indication(kind, key))
        if kind == "right":
            right = self.row(RegRight, key)
            if right is None:
                return escape(key)
            return self.organisation(right["holder"]) + escape(": " + self.indication(right["subject_type"],
                                                                                       right["subject_id"]))
        if kind == "certification":
            cert = self.row(RegCertification, key)
            if cert is None:
                return escape(key)
            what = (self.batch(cert["subject_gtin"], cert["subject_lot"]) if cert["subject_lot"]
                    else self.product(cert["subject_gtin"]) if cert["subject_gtin"]
                    else self.organisation(cert["subject_org"]))
            return escape(f"{cert['scheme']}: ") + what
        if kind == "key":
            key_row = self.row(RegKey, key)
            return escape(w.pick(f"khóa {key} của ", f"key {key} of ")) + self.organisation(
                None if key_row is None else key_row["organisation"])
        owner = {"delegation": (RegDelegation, "authority"), "accreditation": (RegAccreditation, "certifier"),
                 "licence": (RegPrefixLicence, "licensee")}.get(kind)
        if owner is not None:
            found = self.row(owner[0], key)
            who = self.organisation(None if found is None else found[owner[1]])
            return escape(f"GS1 {found['prefix']} · ") + who if kind == "licence" and found else who
        return escape(body.get("id", "")) if isinstance(body, dict) else escape("")

    def value(self, field: str, value: Any, body: dict[str, Any]) -> Markup:
        """One field of a statement's body in words, linked to what it names."""
        w = self.w
        if value is None:
            return escape("")
        if field in _DAYS and isinstance(value, str):
            return escape(w.day(value))
        if field in ("document_sha256", "public_key", "image"):
            return Markup('<span class="hash">{}</span>').format(value)
        if field == "event_time":
            return escape(w.moment(value))
        if field in _ORGANISATIONS and isinstance(value, str):
            return self.organisation(value)
        if field == "gtin" and isinstance(value, str):
            return self.product(value)
        if field == "lot" and isinstance(body.get("gtin"), str):
            return Markup('<a href="/log/batches/{}/{}?lang={}">{}</a>').format(body["gtin"], value, w.lang, value)
        if field == "gi" and isinstance(value, str):
            return escape(self.indication("gi", value))
        if field == "mark" and isinstance(value, str):
            return escape(self.indication("mark", value))
        if field in ("entry", "replacement") and isinstance(value, int):
            return Markup('<a href="/log/entries/{0}?lang={1}">{2}</a>').format(
                value, w.lang, TEXT[w.lang]["entry"].format(n=value))
        if field == "quantity" and isinstance(value, str):
            return escape(w.quantity(value, body.get("unit")))
        if field == "unit":
            return escape(w.quantity("1", value).removeprefix("1 "))
        if field == "biz_step":
            return escape(w.pick(*BIZ_STEPS.get(value, (value, value))))
        if field == "disposition":
            return escape(w.pick(*DISPOSITIONS.get(value, (value, value))))
        if field == "result":
            return escape(VERDICT_TEXT[w.lang].get(value, value))
        if field == "roles" and isinstance(value, list):
            i = 0 if w.lang == "vi" else 1
            return escape(", ".join(ROLES[r][i] if r in ROLES else r for r in value))
        if field == "shelf_life_days":
            return escape(TEXT[w.lang]["days"].format(n=value))
        if isinstance(value, dict):
            return self.mapping(value)
        if isinstance(value, list):
            return Markup("; ").join(self.value(field, v, body) for v in value)
        if isinstance(value, bool):
            return escape(TEXT[w.lang]["yes" if value else "no"])
        return escape(str(value))

    def mapping(self, value: dict[str, Any]) -> Markup:
        """A nested value: names, a commune, a subject (GI, mark, batch), a quota, or its fields one by one."""
        w = self.w
        if set(value) == {"vi", "en"}:
            return escape(w.pick(value["vi"], value["en"]))
        if "code" in value and "version" in value:
            return escape(w.place(place(value["code"], value["version"])))
        if value.get("type") in ("gi", "mark", "collective", "certification") and "id" in value:
            return escape(self.indication("gi" if value["type"] == "gi" else "mark", value["id"]))
        if value.get("type") == "batch" and "lot" in value:
            return self.batch(value["gtin"], value["lot"])
        if value.get("type") == "product" and "gtin" in value:
            return self.product(value["gtin"])
        if value.get("type") == "organisation" and "id" in value:
            return self.organisation(value["id"])
        if "text" in value and "quantity" in value:
            return escape(w.quantity(value["quantity"], value.get("unit")))
        return Markup(", ").join(Markup("{}: ").format(w.pick(*FIELDS.get(k, (k, k)))) + self.value(k, v, value)
                                 for k, v in sorted(value.items()) if k != "type")


@dataclass(frozen=True)
class Row:
    """An entry as a list writes it."""

    index: int
    when: str
    kind: str
    issuer: Markup
    summary: Markup
    retracted: bool
    detail: str = ""
    """What happened, for a batch's history: an event's step, a recall's or a correction's reason, a result."""


def kind_words(kind: str, lang: str) -> str:
    vi, en = KIND_WORDS.get(kind, (TEXT["vi"]["statement_of"], TEXT["en"]["statement_of"]))
    return vi if lang == "vi" else en


def detail(line: Line, w: Writer) -> str:
    """What an entry about a batch says happened, in a few words."""
    body = line.entry["statement"]["body"]
    if not isinstance(body, dict):
        return ""
    if line.kind == "batch.event.v1":
        step = w.pick(*BIZ_STEPS.get(body.get("biz_step", ""), ("", "")))
        disposition = DISPOSITIONS.get(body.get("disposition", ""))
        return step + (f" ({w.pick(*disposition)})" if disposition else "") + f", {w.moment(body['event_time'])}" \
            if "event_time" in body else step
    if line.kind == "certification.issued.v1":
        return f"{body.get('scheme', '')}: {VERDICT_TEXT[w.lang].get(body.get('result', ''), '')}"
    if line.kind == "serials.issued.v1":
        return w.pick(f"{w.quantity(str(body.get('count', 0)), None)} số sê-ri",
                      f"{w.quantity(str(body.get('count', 0)), None)} serial numbers")
    return str(body.get("reason", ""))


def rows(lines: list[Line], namer: Namer) -> list[Row]:
    return [Row(line.index, namer.w.moment(line.logged_at), kind_words(line.kind, namer.w.lang),
                namer.organisation(line.issuer), namer.subject(line), line.retracted, detail(line, namer.w))
            for line in lines]


def kind_choices(lang: str) -> list[tuple[str, str]]:
    """The kinds a reader may pick, each family once (a kind's versions read alike), by its words."""
    i = 0 if lang == "vi" else 1
    return sorted({(family(k), words[i]) for k, words in KIND_WORDS.items()}, key=lambda kw: (kw[1], kw[0]))


def family(kind: str) -> str:
    """A kind without its version: "batch.registered.v2" is of the family "batch.registered"."""
    return kind.rsplit(".v", 1)[0]


def kinds_of(chosen: str) -> tuple[str, ...]:
    """Every version of the family `chosen`; none for a family the registry does not have."""
    return tuple(sorted(k for k in KIND_WORDS if family(k) == chosen))


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api.pages", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def render(template: str, lang: str, **context: Any) -> str:
    """Page `template` in `lang` with the explorer's words and `context`."""
    w = Writer(lang, {})
    number: Callable[[int], str] = lambda n: w.quantity(str(n), None)  # noqa: E731
    return _environment().get_template(template).render(
        lang=lang, other_lang="en" if lang == "vi" else "vi", t=TEXT[lang], w=w, number=number,
        fields={k: v[0 if lang == "vi" else 1] for k, v in FIELDS.items()}, **context)


def render_not_found(lang: str, footer: str, batch: bool = False) -> str:
    text = TEXT[lang]
    refusal = (Refusal("unknown-batch", text["no_batch"], text["no_batch_note"]) if batch
               else Refusal("unknown-entry", text["not_found"], text["not_found_note"]))
    return render_refusal(refusal, lang, footer)
