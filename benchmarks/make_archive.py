"""Generate an archive of N consults (default 100,000) in a fresh data folder, for the
archive benchmarks (``bench_archive.py``) and for trying the archive view at scale.

    python benchmarks/make_archive.py --consults 100000 --out /tmp/consult-aid-bench-archive

Every row is written through the program's own storage layer (``ConsultRepository.save_draft``,
``.sign``, ``.add_addendum`` and ``AuditLog.record``), so consults, patients, clinicians, the
search index, the archived PDFs, addenda and the audit chain have the rows and columns the
program writes. Variety: patient names with accents, other alphabets' letters (Ł, Ø, ß) and
German spellings (Müller / Mueller, Weiß / Weiss), MRNs, consult dates over seven years, six
clinicians, every installed pack, status draft / signed / amended (about 8 / 84 / 8 %), every
decision, and teach-back marks (understood, partly, not yet; re-explained) that differ by
item and decision.

**The signed PDFs.** Rendering and signing a real summary takes seconds here, far too long
for ~90,000 consults. So the first ``--real`` signed consults of each pack are signed for real,
with the program's own renderer and signer (``services.signing.sign_and_archive``, and one
addendum through ``services.addenda.add_addendum``); every other signed consult stores a
*byte-unique copy* of its pack's real PDF: the same bytes plus a trailing PDF comment line
``%consult-aid-bench-copy <consult id>`` after ``%%EOF`` (the addenda likewise). The copies
have the real size and go through the same ``sign`` / ``add_addendum`` path with their own
SHA-256, but they are not signatures of their own consult: ``consult-aid check`` reports them
(the record fingerprint inside names another consult). Use the archive for measuring, never
as a test of ``check``.

Bulk writing: consults are committed in batches (``--batch``, one transaction each, so the
WAL stays small) with ``PRAGMA synchronous=OFF`` on this one connection (a generator that is
rerun after a crash, not a clinic's data). The script prints how long it took, the size of the
database file and the size per consult, and checks that no PDF is stored twice (each PDF once,
in ``documents``; no SHA-256 twice; no consult body or audit entry holding PDF bytes).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_account import signed_in
from consult_aid.content import load_catalog
from consult_aid.content.model import Pack
from consult_aid.datadir import DataFolder
from consult_aid.domain import (
    Addendum,
    Clinician,
    Consult,
    ConsultStatus,
    Contact,
    DecisionChoice,
    PackRef,
    Patient,
    Sex,
    TeachBack,
)
from consult_aid.services.addenda import add_addendum
from consult_aid.services.signing import sign_and_archive
from consult_aid.services.store import Store, open_store
from consult_aid.signing.identity import create_identity
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.people import ClinicianRepository
from tests.builders import fill_for_signing

DEFAULT_OUT = Path("/tmp/consult-aid-bench-archive")
PASSWORD = "bench-archive-password"
COPY_MARK = b"%consult-aid-bench-copy "
STAND_IN = b"%PDF-1.7 a stand-in for a signed PDF (--real 0)\n%%EOF\n"
ZONES = (timezone(timedelta(hours=1)), timezone(timedelta(hours=2)))  # CET / CEST

FIRST = ["Anna", "Jürgen", "Łukasz", "Zoë", "François", "José", "Søren", "Ağla", "Chloé",
         "Renée", "Björn", "Małgorzata", "Åsa", "Nuño", "Thomas", "Mary", "Ahmed", "Priya",
         "Wei", "Olga", "Dmitri", "Siobhán", "Seán", "Ines", "Günther", "Dörte", "Hans",
         "Aoife", "Kofi", "Amara", "Lena", "Paul", "Sophie", "Emil", "Jörg", "Maël"]
LAST = ["Müller", "Mueller", "Muller", "Möller", "Moeller", "Schröder", "Schroeder",
        "Weiß", "Weiss", "Straßer", "Strasser", "Bäcker", "Baecker", "Øster", "Łukaszewicz",
        "Nowak", "Kowalski", "García", "Núñez", "O'Brien", "Smith", "Jones", "Nguyễn",
        "Dubois", "Lefèvre", "Søndergaard", "Åberg", "Çelik", "Yılmaz", "Öztürk",
        "van der Berg", "Fischer", "Meyer", "Becker", "Hoffmann", "Schäfer", "Koch", "Brown",
        "Taylor", "Wilson", "Okafor", "Hale", "Murphy", "Kelly", "Rossi", "Russo", "Ferrari"]
DIAGNOSES = [
    "Failed back surgery syndrome with neuropathic leg pain",
    "Persistent spinal pain syndrome type 2",
    "Complex regional pain syndrome of the right arm",
    "Spasticity after spinal cord injury",
    "Multiple sclerosis with lower limb spasticity",
    "Painful diabetic neuropathy",
    "Cancer pain, pancreatic",
    "Chronic low back pain with radiculopathy",
    "Cerebral palsy with generalised spasticity",
    "Post-herpetic neuralgia",
]
CLINICIANS = [
    ("Dr. Amara Okafor", "MD, FFPMRCA"), ("Dr. Ben Hale", "MD"),
    ("Dr. Jürgen Weiß", "Dr. med."), ("Dr. Siobhán Murphy", "MB BCh"),
    ("Dr. Łucja Nowak", "lek. med."), ("Dr. Priya Raman", "MBBS, FRCA"),
]
WORDS = ("walk the dog", "sleep through the night", "play with the grandchildren",
         "go back to work", "drive again", "garden", "swim", "cook for the family")
NOTE_WORDS = ("Needs help with stairs.", "Lives alone.", "Wife drives.", "Works nights.",
              "Prefers written information.", "Hard of hearing.", "Anxious about surgery.")


def _clinicians(n: int = len(CLINICIANS)) -> list[Clinician]:
    return [Clinician(name=name, credentials=cred, registration=f"REG {1000 + i}",
                      clinic="Riverside Pain Clinic", clinic_phone="+44 20 7946 0999",
                      id=f"clin-{i + 1}") for i, (name, cred) in enumerate(CLINICIANS[:n])]


def _patient(rng: random.Random, n: int) -> Patient:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if rng.random() < 0.1:
        name = f"{name}-{rng.choice(LAST)}"
    born = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    sex = rng.choice((Sex.FEMALE, Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.OTHER))
    return Patient(name=name, date_of_birth=born, sex=sex, mrn=f"MRN-{n:07d}",
                   contact=Contact(phone=f"+44 20 7946 {n % 10000:04d}"),
                   id=hashlib.sha256(f"bench-patient-{n}".encode()).hexdigest()[:32])


def _when(rng: random.Random, first: date, days: int) -> datetime:
    day = first + timedelta(days=rng.randrange(days))
    zone = ZONES[1] if 4 <= day.month <= 10 else ZONES[0]
    return datetime(day.year, day.month, day.day, rng.randrange(8, 18), rng.randrange(60),
                    rng.randrange(60), tzinfo=zone)


_CHOICES = (DecisionChoice.GO_AHEAD_TRIAL, DecisionChoice.GO_AHEAD_TRIAL,
            DecisionChoice.GO_AHEAD_TRIAL, DecisionChoice.NOT_NOW, DecisionChoice.DECLINE,
            DecisionChoice.MORE_INFORMATION)


def _consult(rng: random.Random, n: int, patient: Patient, clinician: Clinician, pack: Pack,
             at: datetime, signed: bool) -> Consult:
    """A consult ready to sign (``fill_for_signing``) with varied text, decision and
    teach-back marks; a draft is left part-way."""
    c = Consult(id=uuid.UUID(int=rng.getrandbits(128)).hex, patient=patient, clinician=clinician,
                pack=PackRef(pack.id, pack.version, pack.content_hash),
                created_at=at, updated_at=at)
    choice = rng.choice(_CHOICES)
    fill_for_signing(c, pack, choice=choice, when=at + timedelta(minutes=40))
    c.decision.follow_up = (at + timedelta(days=rng.randrange(14, 60))).date()
    k = c.condition
    k.measures = {m.id: rng.choice(m.choices) if m.choices else "Sit comfortably in the chair"
                  for m in pack.measures}
    k.diagnosis = rng.choice(DIAGNOSES)
    k.pain_now, k.pain_average, k.pain_worst = rng.randrange(3, 8), rng.randrange(4, 9), 9
    k.function_notes = " ".join(rng.sample(NOTE_WORDS, 3))
    c.lifestyle.goals = f"To {rng.choice(WORDS)} and {rng.choice(WORDS)}"
    for u in c.understanding.values():
        if choice is not DecisionChoice.GO_AHEAD_TRIAL and rng.random() < 0.25:
            u.level = rng.choice((TeachBack.PARTLY, TeachBack.NOT_YET))
        if rng.random() < 0.12:
            u.re_explained = True
            u.patient_words = "Something about the tube moving?"
    if not signed:
        c.signatures = []
        if rng.random() < 0.5:
            c.decision.choice = None
        for u in list(c.understanding.values())[rng.randrange(4):]:
            u.discussed, u.level = False, None
    return c


def _copy(template: bytes, consult_id: str) -> bytes:
    """A byte-unique copy of a real signed PDF (see the module docstring)."""
    return template + COPY_MARK + consult_id.encode() + b"\n"


def generate(out: Path, consults: int, *, seed: int = 16, real: int = 2, batch: int = 500,
             log: bool = True) -> dict[str, float]:
    """Write the archive into the new data folder ``out``; returns its figures."""
    started = time.perf_counter()
    rng = random.Random(seed)
    data = DataFolder(out)
    if data.database.exists():
        raise SystemExit(f"{data.database} exists already: give a new --out folder")
    data.ensure()
    catalog = load_catalog(None)
    packs = catalog.packs()
    clinicians = _clinicians()
    db = open_store(data.database)
    signed_in(db)
    ClinicianRepository(db).save(clinicians[0])  # the clinic set up (services.clinic)
    db.connection.execute("PRAGMA synchronous=OFF")  # a generator: rerun it after a crash
    identity = create_identity(data.identity, name=clinicians[0].name,
                               clinic=clinicians[0].clinic, password=PASSWORD) if real else None
    repo = ConsultRepository(db)
    audit = AuditLog(db)
    first, days = date(2019, 12, 1), 7 * 365
    patients = [_patient(rng, n) for n in range(max(1, consults * 6 // 10))]
    # real=0 (tests): small stand-ins instead of PDFs signed for real
    summary_pdf: dict[str, bytes] = {} if real else {p.id: STAND_IN for p in packs}
    addendum_pdf: bytes | None = None if real else STAND_IN
    real_signed = 0
    sizes = {"summary": 0, "addendum": 0}
    done = 0
    while done < consults:
        with db.transaction():
            for n in range(done, min(consults, done + batch)):
                pack = packs[n % len(packs)] if n < len(packs) * real else rng.choice(packs)
                at = _when(rng, first, days)
                r = rng.random()
                status = "draft" if r < 0.08 else "amended" if r < 0.16 else "signed"
                if pack.id not in summary_pdf or n < len(packs) * real:
                    status = "signed" if status == "draft" else status
                c = _consult(rng, n, rng.choice(patients), rng.choice(clinicians), pack, at,
                             status != "draft")
                if status == "draft":
                    repo.save_draft(c)
                    audit.record("consult.started", consult_id=c.id, at=at,
                                 detail=f"pack {pack.id} {pack.version}")
                    continue
                signed_at = at + timedelta(minutes=45)
                if n < len(packs) * real and identity is not None:  # signed for real
                    signed = sign_and_archive(db, c, pack, identity, PASSWORD, signed_at)
                    summary_pdf.setdefault(pack.id, signed.pdf)
                    sizes["summary"] += len(signed.pdf)
                    real_signed += 1
                else:
                    pdf = _copy(summary_pdf[pack.id], c.id)
                    state = dataclasses.replace(c, status=ConsultStatus.SIGNED, signed_at=signed_at,
                                                updated_at=signed_at)
                    sha = repo.sign(state, pdf)
                    sizes["summary"] += len(pdf)
                    audit.record("consult.signed", consult_id=c.id, at=signed_at,
                                 detail=f"sha256 {sha}; pack {pack.id} {pack.version}; "
                                        f"certificate {identity.fingerprint if identity else '-'}")
                if status == "amended":
                    written = signed_at + timedelta(days=rng.randrange(1, 30))
                    text = "Phoned back: " + rng.choice(NOTE_WORDS)
                    if addendum_pdf is None and identity is not None:
                        added = add_addendum(db, c.id, author=c.clinician.name, text=text,
                                             now=written, identity=identity, password=PASSWORD)
                        addendum_pdf = repo.document_by_sha256(c.id, added.document_sha256)
                        sizes["addendum"] += len(addendum_pdf)
                    else:
                        addendum = Addendum(written_at=written, author=c.clinician.name,
                                            text=text, id=uuid.UUID(int=rng.getrandbits(128)).hex)
                        pdf = _copy(addendum_pdf or STAND_IN, addendum.id)
                        repo.add_addendum(c.id, addendum, pdf)
                        sizes["addendum"] += len(pdf)
                        audit.record("consult.amended", consult_id=c.id, at=written,
                                     detail=f"addendum {addendum.id}; sha256 "
                                            f"{hashlib.sha256(pdf).hexdigest()}")
        done = min(consults, done + batch)
        if log and (done % (batch * 20) == 0 or done == consults):
            print(f"  {done:,} consults, {time.perf_counter() - started:.0f} s", flush=True)
    db.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.connection.execute("PRAGMA optimize")
    problems = stored_twice(db)
    db.close()
    seconds = time.perf_counter() - started
    size = data.database.stat().st_size
    return {"consults": consults, "seconds": seconds, "bytes": size,
            "bytes_per_consult": size / max(consults, 1), "real_signed": real_signed,
            "pdf_bytes": sizes["summary"] + sizes["addendum"],
            "stored_twice": len(problems)}


def stored_twice(db: Store) -> list[str]:
    """What would store a PDF more than once: a SHA-256 archived twice, a consult or audit row
    holding PDF bytes, any table besides ``documents`` with a blob. Empty when each PDF is
    stored once."""
    problems = [f"sha256 {sha} archived {n} times" for sha, n in db.query(
        "SELECT sha256, count(*) FROM documents GROUP BY sha256 HAVING count(*) > 1")]
    for table, column in (("consults", "body"), ("audit_log", "detail"), ("addenda", "text")):
        row = db.query_one(f"SELECT count(*) FROM {table} WHERE instr({column}, '%PDF-') > 0")
        if row and row[0]:
            problems.append(f"{row[0]} {table} rows hold PDF bytes")
    tables = [r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%search%'")]
    for table in tables:
        if table == "documents":
            continue
        for info in db.query(f"PRAGMA table_info({table})"):
            if str(info[2]).upper() == "BLOB":
                problems.append(f"{table}.{info[1]} is a blob column besides documents.pdf")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consults", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--real", type=int, default=2,
                        help="consults signed for real per pack (the rest store copies)")
    parser.add_argument("--batch", type=int, default=500, help="consults per transaction")
    args = parser.parse_args(argv)
    print(f"generating {args.consults:,} consults in {args.out} "
          f"({datetime.now(UTC):%H:%M:%S} UTC)", flush=True)
    figures = generate(args.out, args.consults, seed=args.seed, real=args.real,
                       batch=args.batch)
    print(f"generated {figures['consults']:,.0f} consults in {figures['seconds']:.0f} s "
          f"({figures['real_signed']:.0f} signed for real, the rest byte-unique copies)")
    print(f"database {figures['bytes'] / 2**20:,.0f} MiB, "
          f"{figures['bytes_per_consult'] / 1024:.1f} KiB per consult "
          f"(archived PDFs {figures['pdf_bytes'] / 2**20:,.0f} MiB)")
    print("no PDF stored twice" if not figures["stored_twice"]
          else f"PDFs stored twice: {figures['stored_twice']:.0f} problems")
    return 0 if not figures["stored_twice"] else 1


if __name__ == "__main__":
    sys.exit(main())
