"""Amend a signed consult: an addendum is written, signed as its own PDF and archived.

The signed summary and its record never change; the consult's status becomes "amended".
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from consult_aid.domain import Addendum
from consult_aid.domain.accounts import Permission
from consult_aid.domain.limits import MAX_ADDENDA
from consult_aid.domain.validation import Problem, ValidationError, check_text
from consult_aid.errors import KnownError
from consult_aid.report.addendum import render_addendum
from consult_aid.report.layout import Paper
from consult_aid.services import require_zone
from consult_aid.services.access import record_failed
from consult_aid.services.accounts import NotAllowedError, permit
from consult_aid.services.signing import not_saved
from consult_aid.services.trust import require_own_identity
from consult_aid.signing.identity import SigningIdentity
from consult_aid.signing.pades import sign_pdf
from consult_aid.signing.verify import verify_pdf
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.database import Database

MAX_ADDENDUM_LENGTH = 20_000


def add_addendum(db: Database, consult_id: str, *, author: str, text: str,
                 now: datetime, identity: SigningIdentity, password: str,
                 paper: Paper | str = Paper.A4) -> Addendum:
    """See :func:`_add_addendum`; a failure after the permission check is recorded as failed
    (``consult.amended.failed``) on the audit trail, with its kind."""
    try:
        return _add_addendum(db, consult_id, author=author, text=text, now=now,
                             identity=identity, password=password, paper=paper)
    except NotAllowedError:
        raise  # recorded as refused already
    except Exception as exc:
        record_failed(db, "consult.amended", exc, consult_id=consult_id, at=now)
        raise


def _add_addendum(db: Database, consult_id: str, *, author: str, text: str,
                 now: datetime, identity: SigningIdentity, password: str,
                 paper: Paper | str = Paper.A4) -> Addendum:
    """Write, sign and store an addendum (its PDF archived in the database) to the signed
    consult ``consult_id``. Only an account that may sign; the author is recorded as given
    (the audit entry and the signature name the signed-in account)."""
    require_zone(now)
    permit(db, Permission.SIGN, consult_id=consult_id)
    problems = check_text("addendum.text", text, label="addendum", required=True,
                          max_length=MAX_ADDENDUM_LENGTH)
    problems += check_text("addendum.author", author, label="author's name", required=True,
                           max_length=200, single_line=True)
    if problems:
        raise ValidationError(problems)
    repo = ConsultRepository(db)
    consult = repo.get(consult_id)
    if len(consult.addenda) >= MAX_ADDENDA:  # what import would refuse is never stored here
        raise ValidationError([Problem("addendum", f"This consult has {MAX_ADDENDA} addenda, "
                                                   "the most one consult can hold.")])
    if not consult.is_locked:
        raise ValidationError([Problem("addendum", "This consult is not signed yet: change it "
                                                   "directly instead of adding an addendum.")])
    require_own_identity(db, identity, now=now)  # never sign with a swapped-in identity
    unlocked = identity.unlock(password)  # a wrong password fails before any work
    addendum = Addendum(written_at=now, author=author.strip(), text=text, id=uuid.uuid4().hex)
    signed = sign_pdf(render_addendum(consult, addendum, paper=paper), unlocked,
                      reason=f"Addendum to consult {consult.id}",
                      location=consult.clinician.clinic)
    check = verify_pdf(signed)
    if not check.ok:
        raise KnownError("The signed addendum did not verify; nothing was stored: "
                         + "; ".join(check.problems))
    # Only this transaction writes: a failure leaves no addendum and no PDF, and says so.
    with not_saved(f"The addendum to consult {consult.id} was NOT stored and its PDF was not "
                   "archived."), db.transaction():
        repo.add_addendum(consult.id, addendum, signed)
        AuditLog(db).record("consult.amended", consult_id=consult.id, at=now,
                            detail=f"addendum {addendum.id}; sha256 "
                                   f"{hashlib.sha256(signed).hexdigest()}")
    return addendum
