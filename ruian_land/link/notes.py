"""Ledger notes of the linking stage and the reason each unlinked firm has no land.

Split from :mod:`ruian_land.link.occupancy`, which calls both: owner codes on parcels that are
invalid, match no registry firm or differ from a registry code only in the check character, and
for every firm left without land, why (``no_land``, ``leased_out``, ``owner_code_mismatch`` …).
"""

from __future__ import annotations

import pandas as pd

from ruian_land.core import (
    Ledger,
    check_char_twins,
    is_in,
    is_valid_uscc,
    is_valid_uscc_series,
    normalise_firm_names,
)

__all__ = ["UNLINKED_COLUMNS", "note_owner_codes", "unlinked_firms"]

#: Columns of ``Occupancy.unlinked`` (plus ``detail``).
UNLINKED_COLUMNS = ["uscc", "name", "reason_code", "reason", "reason_zh"]
_REASONS = {
    "no_land": ("no parcel owned or leased", "无自有或租赁宗地"),
    "leased_out": ("all owned land is leased to others", "自有土地全部出租"),
    "owner_code_invalid": ("owner code invalid on the parcel", "宗地权利人代码校验错误"),
    "owner_code_mismatch": ("the parcel lists another owner code", "宗地权利人代码与名录不一致"),
    "code_invalid": (
        "the firm's own code fails its check; no parcel under it",
        "企业信用代码校验错误且无宗地",
    ),
    "located_on_occupied_parcel": (
        "geocoded on a parcel its owner occupies; no lease recorded",
        "地理编码点位在他人自用宗地上，无租赁记录",
    ),
}


def note_owner_codes(p: pd.DataFrame, f: pd.DataFrame, ledger: Ledger) -> None:
    """Ledger notes on parcel owner codes: linked although invalid, matching no registry firm,
    or differing from a registry code only in the check character (both rows noted, not merged)."""
    codes = set(f["uscc"].dropna().tolist())
    owners = p.loc[p["owner_uscc"].notna()]
    twins = check_char_twins(owners["owner_uscc"], f["uscc"])
    reg = f.drop_duplicates("uscc").set_index("uscc")
    reg_row = reg["source_row"] if "source_row" in reg.columns else pd.Series(dtype="float64")
    reg_name = reg["name"] if "name" in reg.columns else pd.Series(dtype="object")
    seen: dict[str, list[tuple[str, str]]] = {}
    valid_codes = is_valid_uscc_series(owners["owner_uscc"]).to_numpy(dtype=bool)
    noted = ~valid_codes | ~is_in(owners["owner_uscc"], f["uscc"])  # the rest need no note
    rows = zip(
        owners.loc[noted, "owner_uscc"].astype(str).tolist(),
        owners.loc[noted, "parcel_id"].tolist(),
        owners.loc[noted, "source_row"].tolist(),
        valid_codes[noted].tolist(),
        strict=True,
    )
    for owner, pid, source_row, valid in rows:
        row = int(source_row)
        if owner in codes and not valid:
            ledger.record(
                "parcels", row, "owner_uscc", "owner_code_invalid", "kept",
                f"parcel {pid} linked to {owner} although the code fails its check character "
                "(the registry has the same code)",
            )  # fmt: skip
        elif owner in twins:
            twin = twins[owner][0]
            where = ledger.where("registry", reg_row.get(twin))
            seen.setdefault(twin, []).append((f"parcel {pid} ({ledger.where('parcels', row)})", owner))
            ledger.record(
                "parcels", row, "owner_uscc", "check_char_mismatch", "kept",
                f"owner code {owner} of parcel {pid} matches no registry firm, but registry {where} "
                f"({reg_name.get(twin, '')}) has {twin}: probably the same firm, the check character differs "
                f"({_which_fails(owner, twin)}); not linked: correct the wrong code",
            )  # fmt: skip
        elif owner not in codes:
            problem = "owner_not_in_registry" if valid else "owner_code_invalid"
            ledger.record(
                "parcels", row, "owner_uscc", problem, "kept",
                f"owner code {owner} of parcel {pid} matches no registry firm"
                + ("" if valid else " and fails its check character"),
            )  # fmt: skip

    for twin, places in seen.items():
        if ledger.declared("registry") and pd.notna(reg_row.get(twin)):
            ledger.record(
                "registry", int(reg_row[twin]), "uscc", "check_char_mismatch", "kept",
                f"{twin} ({reg_name.get(twin, '')}): "
                + "; ".join(f"{where} lists owner code {code}" for where, code in places)
                + f", differing only in the check character ({_which_fails(places[0][1], twin)}); "
                "probably the same firm: not linked, correct the wrong code",
            )  # fmt: skip


def _which_fails(code: str, registry_code: str) -> str:
    """Which of two codes differing only in the check character fails the GB 32100-2015 check."""
    ok_here, ok_reg = is_valid_uscc(code), is_valid_uscc(registry_code)
    if ok_here and not ok_reg:
        return f"the registry's {registry_code} fails the check: correct the registry"
    if ok_reg and not ok_here:
        return f"{code} fails the check: correct the parcel record"
    return "neither or both pass the check: ask which is right"


def unlinked_firms(
    f: pd.DataFrame, linked: set[str], p: pd.DataFrame, refused: dict[str, str]
) -> pd.DataFrame:
    """The firms without land and why.

    Parameters
    ----------
    f : DataFrame
        Firms: ``uscc`` (normalised), optional ``name``.
    linked : set of str
        Codes of the firms that got at least one link.
    p : DataFrame
        Parcels: ``parcel_id``, ``owner_uscc``, ``owner_name`` (missing allowed).
    refused : dict
        Code → detail for firms whose geocoded point fell on a parcel its owner occupies.

    Returns
    -------
    DataFrame
        One row per firm of ``f`` not in ``linked``, in ``f``'s order (index ``0..n-1``):
        ``uscc``, ``name``, ``reason_code``, ``reason``, ``reason_zh``, ``detail``. A parcel whose
        权利人 has the firm's name (spaces, full-width brackets and NFKC aside) but another code
        gives ``owner_code_mismatch`` (or ``owner_code_invalid`` when that code fails its check).
    """
    rows = []
    owners = set(p["owner_uscc"].dropna().tolist())
    lost = f.loc[~is_in(f["uscc"], list(linked))]
    lost_names = (
        normalise_firm_names(lost["name"])
        if "name" in lost.columns
        else pd.Series("", index=lost.index, dtype="str")
    )
    held = p.loc[p["owner_name"].notna().to_numpy() & p["owner_uscc"].notna().to_numpy()]
    held_names = normalise_firm_names(held["owner_name"])
    wanted = is_in(held_names, lost_names.drop_duplicates())
    by_name: dict[str, list[tuple[str, str]]] = {}
    named = zip(
        held_names[wanted].tolist(),
        held.loc[wanted, "parcel_id"].astype(str).tolist(),
        held.loc[wanted, "owner_uscc"].astype(str).tolist(),
        strict=True,
    )
    for key, pid, owner in named:
        by_name.setdefault(key, []).append((pid, owner))
    names = lost["name"].tolist() if "name" in lost.columns else [None] * len(lost)
    for uscc, name, key in zip(lost["uscc"].tolist(), names, lost_names.tolist(), strict=True):
        hits = [(pid, c) for pid, c in by_name.get(key, []) if c != uscc]
        if uscc in refused:
            code, detail = "located_on_occupied_parcel", refused[uscc]
        elif uscc in owners:
            code, detail = "leased_out", "owner of parcel(s) fully leased to others"
        elif hits:
            pid, other = hits[0]
            code = "owner_code_invalid" if not is_valid_uscc(other) else "owner_code_mismatch"
            detail = f"parcel {pid} (owner '{name}') lists code {other}, not {uscc}: correct the code"
        elif not is_valid_uscc(uscc):
            code, detail = "code_invalid", f"{uscc} fails its check character"
        else:
            code, detail = "no_land", ""
        en, zh = _REASONS[code]
        rows.append(
            {"uscc": uscc, "name": name, "reason_code": code, "reason": en, "reason_zh": zh, "detail": detail}
        )
    return pd.DataFrame(rows, columns=[*UNLINKED_COLUMNS, "detail"])
