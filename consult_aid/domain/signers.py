"""Who signs a consult, and the name printed under each signature until the signer edits it."""

from __future__ import annotations

from consult_aid.domain.consult import Consult
from consult_aid.domain.participants import Decider
from consult_aid.domain.signature import SignerRole


def required_signers(consult: Consult) -> tuple[SignerRole, ...]:
    """Who must sign: the decider, the clinician, and the interpreter and witness when present."""
    parts = consult.participants
    roles = [SignerRole.REPRESENTATIVE if parts.decider is Decider.REPRESENTATIVE
             else SignerRole.PATIENT, SignerRole.CLINICIAN]
    if parts.interpreter is not None:
        roles.append(SignerRole.INTERPRETER)
    if parts.witness is not None:
        roles.append(SignerRole.WITNESS)
    return tuple(roles)


def signature_roles(consult: Consult) -> tuple[SignerRole, ...]:
    """The signature blocks to show: every required signer, then anyone who signed already
    but is no longer required (their signature is kept visible, never dropped silently)."""
    roles = required_signers(consult)
    return roles + tuple(s.role for s in consult.signatures if s.role not in roles)


def default_signer_name(consult: Consult, role: SignerRole) -> str:
    """The printed name a signature block starts with: the person recorded for that role."""
    parts = consult.participants
    match role:
        case SignerRole.PATIENT:
            return consult.patient.name
        case SignerRole.REPRESENTATIVE:
            return parts.representative.name if parts.representative else ""
        case SignerRole.CLINICIAN:
            return consult.clinician.name
        case SignerRole.INTERPRETER:
            return parts.interpreter.name if parts.interpreter else ""
        case SignerRole.WITNESS:
            return parts.witness.name if parts.witness else ""
