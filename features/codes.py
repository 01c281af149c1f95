"""Unified social credit codes (统一社会信用代码, GB 32100-2015), checked and made in bulk.

A code is 18 characters: authority, entity type, six-digit division, a nine-character
organisation code (eight body characters plus its GB 11714 check character) and a final check
character. Everything here works on whole arrays at once, so 1.6 million codes take well under
a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 symbols of GB 32100, valued 0..30 in this order (no I, O, S, V, Z)."""

FINAL_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

RULE_FORMAT = "uscc format: 18 characters from 0-9 and A-Z without I, O, S, V, Z"
RULE_ORG_CHECK = "uscc organisation-code check character (GB 11714)"
RULE_FINAL_CHECK = "uscc final check character (GB 32100)"

_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(ALPHABET):
    _VALUE[ord(_c)] = _i
_ORG_VALUE = np.full(256, -1, dtype=np.int64)
for _c in "0123456789":
    _ORG_VALUE[ord(_c)] = ord(_c) - ord("0")
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ORG_VALUE[ord(_c)] = ord(_c) - ord("A") + 10
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)


def org_check_chars(body: np.ndarray) -> np.ndarray:
    """GB 11714 check characters (as ASCII bytes) for an (n, 8) uint8 array of body characters."""
    total = (_ORG_VALUE[body] * ORG_WEIGHTS).sum(axis=1)
    r = 11 - total % 11
    out = (r + ord("0")).astype(np.uint8)
    out[r == 10] = ord("X")
    out[r == 11] = ord("0")
    return out


def final_check_chars(first17: np.ndarray) -> np.ndarray:
    """GB 32100 final check characters (ASCII bytes) for an (n, 17) uint8 array."""
    total = (_VALUE[first17] * FINAL_WEIGHTS).sum(axis=1)
    return _ALPHABET_BYTES[(31 - total % 31) % 31]


def _as_char_matrix(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(n, 18) uint8 matrix of the codes, and a mask of rows that have 18 ASCII characters."""
    text = codes.astype("string").fillna("")
    shaped = (text.str.len() == 18) & text.str.fullmatch(r"[0-9A-Z]{18}", na=False)
    shaped_arr = shaped.to_numpy(dtype=bool)
    chars = np.zeros((len(text), 18), dtype=np.uint8)
    if shaped_arr.any():
        joined = "".join(text[shaped_arr].tolist()).encode("ascii")
        chars[shaped_arr] = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 18)
    return chars, shaped_arr


def uscc_problems(codes: pd.Series) -> pd.Series:
    """The first rule each code breaks (one of the RULE_* texts), or <NA> for a valid code."""
    chars, shaped = _as_char_matrix(codes)
    in_alphabet = shaped & (_VALUE[chars] >= 0).all(axis=1)
    org_ok = org_check_chars(chars[:, 8:16]) == chars[:, 16]
    final_ok = final_check_chars(chars[:, :17]) == chars[:, 17]
    problems = np.select(
        [~in_alphabet, ~org_ok, ~final_ok],
        [RULE_FORMAT, RULE_ORG_CHECK, RULE_FINAL_CHECK],
        default="",
    )
    out = pd.Series(problems, index=codes.index, dtype="string")
    return out.mask(out == "")


def is_valid_uscc(codes: pd.Series) -> pd.Series:
    """True where a code passes the format and both check characters."""
    return uscc_problems(codes).isna()


def complete_codes(first16: np.ndarray) -> np.ndarray:
    """Append both check characters to an (n, 16) uint8 array; return the codes as str objects."""
    n = len(first16)
    full = np.empty((n, 18), dtype=np.uint8)
    full[:, :16] = first16
    full[:, 16] = org_check_chars(first16[:, 8:16])
    full[:, 17] = final_check_chars(full[:, :17])
    return full.view("S18").ravel().astype("U18").astype(object)
