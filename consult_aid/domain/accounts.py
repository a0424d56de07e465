"""Who may do what: accounts, their roles, and what each role allows.

Three roles, as a clinic divides the work (HIPAA §164.312(a)(1) asks for access by role):

- clinician: runs consults and signs them with their own signing identity;
- assistant: prepares a consult's patient details, history and lifestyle; cannot sign, cannot
  read the audit trail;
- administrator: accounts, clinic settings, packs, trusted certificates, the audit trail.

An account holds one or more roles (the first account is administrator and clinician). The
services check a :class:`Permission`, never a role, so what a role allows is written once, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLINICIAN = "clinician"
    ASSISTANT = "assistant"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return {Role.CLINICIAN: "Clinician", Role.ASSISTANT: "Assistant",
                Role.ADMINISTRATOR: "Administrator"}[self]


class Permission(StrEnum):
    VIEW_CONSULTS = "view consults"  # open, list and search consults and their records
    PREPARE_CONSULT = "prepare a consult"  # patient, who is there, condition, history, lifestyle
    RUN_CONSULT = "run a consult"  # options, risks, teach-back, the decision
    SIGN = "sign"  # sign a summary or an addendum
    PRINT_EXPORT = "print and export"  # print, export a copy, export for the EHR
    IMPORT = "import"
    BACKUP = "back up"
    RESTORE = "restore"
    READ_AUDIT = "read the audit trail"
    MANAGE_ACCOUNTS = "manage accounts"
    CLINIC_SETTINGS = "change clinic settings"
    MANAGE_PACKS = "manage procedure packs"
    MANAGE_TRUST = "manage trusted certificates"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: frozenset({
        Permission.VIEW_CONSULTS, Permission.PREPARE_CONSULT, Permission.RUN_CONSULT,
        Permission.SIGN, Permission.PRINT_EXPORT, Permission.IMPORT, Permission.BACKUP}),
    Role.ASSISTANT: frozenset({
        Permission.VIEW_CONSULTS, Permission.PREPARE_CONSULT, Permission.PRINT_EXPORT}),
    Role.ADMINISTRATOR: frozenset({
        Permission.VIEW_CONSULTS, Permission.PRINT_EXPORT, Permission.BACKUP,
        Permission.RESTORE, Permission.IMPORT, Permission.READ_AUDIT,
        Permission.MANAGE_ACCOUNTS, Permission.CLINIC_SETTINGS, Permission.MANAGE_PACKS,
        Permission.MANAGE_TRUST}),
}

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MAX_DISPLAY_NAME = 120


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be an account name, or None. Lower case, 2–32 characters:
    letters, digits, dot, dash, underscore, starting with a letter or digit."""
    if not USERNAME.fullmatch(username):
        return ("A user name is 2 to 32 characters: lower-case letters, digits, '.', '-' or "
                "'_', starting with a letter or digit.")
    return None


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    display_name: str  # as the signed record names a clinician: "Dr. Sam Rivera"
    roles: frozenset[Role]
    active: bool = True
    must_change_password: bool = False  # set by an administrator's reset

    @property
    def permissions(self) -> frozenset[Permission]:
        if not self.active:
            return frozenset()
        granted: set[Permission] = set()
        for role in self.roles:
            granted |= ROLE_PERMISSIONS[role]
        return frozenset(granted)

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def roles_text(self) -> str:
        order = (Role.ADMINISTRATOR, Role.CLINICIAN, Role.ASSISTANT)
        return ", ".join(r.label for r in order if r in self.roles)
