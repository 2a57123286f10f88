"""Password rules (ASVS 5.0 §6.2): length, not a well-known password, no composition rules.

Plain Python. Offline there is no breached-password API, so common passwords are caught by their
shape: a common word or keyboard run padded with digits or symbols.
"""

from __future__ import annotations

import re

MIN_LENGTH = 12
MAX_LENGTH = 128

COMMON_STEMS = frozenset(
    [
        "password",
        "passw0rd",
        "p@ssword",
        "p@ssw0rd",
        "qwerty",
        "qwertyuiop",
        "asdfgh",
        "asdfghjkl",
        "zxcvbnm",
        "letmein",
        "welcome",
        "iloveyou",
        "admin",
        "administrator",
        "login",
        "football",
        "baseball",
        "monkey",
        "dragon",
        "sunshine",
        "princess",
        "shadow",
        "master",
        "superman",
        "batman",
        "trustno1",
        "whatever",
        "freedom",
        "starwars",
        "placements",
        "school",
        "student",
        "teacher",
        "secret",
        "changeme",
        "default",
        "abc",
        "abcdef",
        "abcdefgh",
    ]
)
SEQUENCES = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


def problem(password: str, *, email: str = "") -> str | None:
    """The reason a password is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A few unrelated words make a strong password."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    stem = re.sub(r"[^a-z@0]", "", lowered.rstrip("0123456789!@#$%^&*?.-_ "))
    letters_only = re.sub(r"[^a-z]", "", lowered)
    if stem in COMMON_STEMS or letters_only in COMMON_STEMS or len(set(lowered)) <= 2:
        return "That password is too common. Choose something harder to guess."
    if any(lowered in sequence for sequence in SEQUENCES) or lowered.isdigit():
        return "That password is too easy to guess. Choose something harder to guess."
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return "Your password must not contain your email address."
    return None
