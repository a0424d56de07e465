"""What makes a password acceptable, and how failed sign-ins slow down and lock out.

Strength follows NIST SP 800-63B (2017, rev. 2020) §5.1.1.2: a minimum length rather than
composition rules, and a check against values known to be common or guessable (here: a short
list of the most common passwords, sequences, one repeated character, the user's own names).
We ask for 12 characters, above NIST's floor of 8, because one account opens a clinic's
protected health information.

Failed sign-ins (NIST SP 800-63B §5.2.2, rate limiting): the first two are free, then each
waits twice as long as the one before (1, 2, 4 … seconds, at most 30), and the tenth in a
row locks the account for 15 minutes — or until an administrator resets its password.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 hashes any length; a limit keeps input bounded
FREE_FAILURES = 2
MAX_DELAY_SECONDS = 30
LOCKOUT_AFTER = 10
LOCKOUT = timedelta(minutes=15)

# The most common passwords in published breach corpora (lower case; a password that *is* one
# of these, or one followed by digits, is refused).
COMMON = frozenset((
    "password", "passw0rd", "password1", "letmein", "welcome", "welcome1", "qwerty", "qwertyuiop",
    "asdfgh", "asdfghjkl", "zxcvbnm", "iloveyou", "admin", "administrator", "root", "changeme",
    "default", "secret", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
    "shadow", "master", "superman", "trustno1", "starwars", "whatever", "freedom", "hello",
    "login", "abc123", "abcdef", "abcdefg", "123456", "1234567", "12345678", "123456789",
    "1234567890", "111111", "000000", "654321", "123123", "987654321", "qazwsx", "1q2w3e4r",
    "1qaz2wsx", "zaq12wsx", "consultaid", "consult", "clinic", "doctor", "hospital", "nurse",
    "patient", "medicine", "pain", "spring", "summer", "autumn", "winter",
))

_ROWS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm")


def password_problem(password: str, *names: str) -> str | None:
    """Why ``password`` is not acceptable for an account with these ``names`` (user name,
    display name), or None."""
    if len(password) < MIN_LENGTH:
        return f"A password needs at least {MIN_LENGTH} characters (a short sentence works well)."
    if len(password) > MAX_LENGTH:
        return f"A password can have at most {MAX_LENGTH} characters."
    if "\x00" in password:
        return "A password cannot contain a null character."
    folded = password.casefold()
    if len(set(folded)) <= 2:
        return "This password repeats one or two characters; choose one that is harder to guess."
    if folded.rstrip("0123456789!?.") in COMMON or _is_sequence(folded):
        return "This password is among the most common ones; choose one that is harder to guess."
    for name in names:
        for part in name.casefold().replace(".", " ").replace("-", " ").split():
            if len(part) >= 4 and part in folded:
                return "A password cannot contain your name or user name."
    return None


def _is_sequence(text: str) -> bool:
    """A run along the alphabet, the digits or a keyboard row (forwards or backwards)."""
    for row in _ROWS:
        for line in (row, row[::-1]):
            if text in line * 3:
                return True
    return False


def delay_after(failures: int) -> int:
    """Seconds a sign-in must wait after ``failures`` failed attempts in a row."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_DELAY_SECONDS, int(2 ** (failures - FREE_FAILURES - 1)))


def locked_until(failures: int, last_failure: datetime) -> datetime | None:
    """When a lockout after ``failures`` failures in a row ends (None: not locked out)."""
    return last_failure + LOCKOUT if failures >= LOCKOUT_AFTER else None
