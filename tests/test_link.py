"""Firm ↔ parcel occupancy (ruian_land.link): shares, conservation, leases, unlinked reasons."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from ruian_land.core import USCC_ALPHABET, Ledger, uscc_check_char
from ruian_land.link import firm_land, link_firms_to_parcels, link_points_to_parcels

X0, Y0 = 520_000.0, 3_070_000.0


def code(n: int) -> str:
    first17 = f"91330381MA2{n:06d}"
    return first17 + uscc_check_char(first17)


A, B, C, D, E, F, G = (code(i) for i in range(1, 8))
G_BAD = G[:-1] + USCC_ALPHABET[(USCC_ALPHABET.index(G[-1]) + 1) % 31]


@pytest.fixture
def world():
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4", "P5"],
            "owner_uscc": [A, A, C, G_BAD, None],
            "owner_name": ["甲公司", "甲公司", "丙公司", "庚公司", None],
            "source_row": [1, 2, 3, 4, 5],
        },
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 150),  # 15 000 m² = 22.5 亩
            box(X0 + 200, Y0, X0 + 400, Y0 + 100),  # 20 000 m² = 30 亩
            box(X0 + 500, Y0, X0 + 600, Y0 + 100),  # 10 000 m² = 15 亩
            box(X0 + 700, Y0, X0 + 760, Y0 + 100),  # 6 000 m²
            box(X0 + 800, Y0, X0 + 900, Y0 + 100),  # 10 000 m², state-owned
        ],
        crs=4549,
    )
    parcels["area_m2"] = parcels.area
    firms = pd.DataFrame(
        {
            "uscc": [A, B, C, D, E, F, G],
            "name": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司", "庚公司"],
            "tax_wan": [90.0, 12.0, 5.0, 10.0, 20.0, 7.0, 3.0],
            "value_added_wan": [300.0, 40.0, 50.0, 60.0, 70.0, 8.0, 9.0],
            "energy_tce_calorific": [45.0, np.nan, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    leases = pd.DataFrame(
        {
            "uscc": [B, D, E, B],
            "parcel_id": ["P1", "P3", "P3", "P5"],
            "leased_area_m2": [5_000.0, 8_000.0, 4_000.0, 2_000.0],
            "source_row": [1, 2, 3, 4],
        }
    )
    return parcels, firms, leases


def test_lease_splits_parcel_with_shares_by_hand(world):
    parcels, firms, leases = world
    led = Ledger()
    led.rows_in("leases", 4)
    led.rows_in("parcels", 5)
    occ = link_firms_to_parcels(parcels, firms, leases, led)
    links = occ.links.set_index(["uscc", "parcel_id"])
    assert len(links) == 6
    # A owns P1 (15 000 m² minus B's 5 000 leased) and P2 (20 000 m²): 10 000 + 20 000 m²
    assert links.loc[(A, "P1"), "land_area_m2"] == pytest.approx(10_000.0)
    assert links.loc[(A, "P1"), "land_area_mu"] == pytest.approx(15.0)
    assert links.loc[(A, "P1"), "land_share"] == pytest.approx(1 / 3)
    assert links.loc[(A, "P2"), "land_share"] == pytest.approx(2 / 3)
    assert links.loc[(A, "P1"), "tax_wan"] == pytest.approx(30.0)
    assert links.loc[(A, "P2"), "tax_wan"] == pytest.approx(60.0)
    assert links.loc[(A, "P2"), "energy_tce_calorific"] == pytest.approx(30.0)
    assert links.loc[(A, "P1"), "tenure"] == "own" and links.loc[(B, "P1"), "tenure"] == "lease"
    # B leases 5 000 m² on P1 and 2 000 m² on P5: shares 5/7 and 2/7 of 12 万元
    assert links.loc[(B, "P1"), "tax_wan"] == pytest.approx(12 * 5 / 7)
    assert links.loc[(B, "P5"), "land_area_mu"] == pytest.approx(3.0)
    assert np.isnan(links.loc[(B, "P1"), "energy_tce_calorific"])
    # P3: leases of 8 000 + 4 000 m² exceed 10 000 m² → scaled by 5/6; owner C keeps nothing
    assert links.loc[(D, "P3"), "land_area_m2"] == pytest.approx(8_000 * 5 / 6)
    assert links.loc[(E, "P3"), "land_area_m2"] == pytest.approx(4_000 * 5 / 6)
    exceed = [e for e in led.events if e.problem == "leases_exceed_parcel"]
    assert [e.row for e in exceed] == [2, 3] and all(e.action == "kept" for e in exceed)
    assert led.summary()["leases"] == {"rows_in": 4, "kept": 4, "repaired": 0, "rejected": 0}
    use = occ.parcels.set_index("parcel_id")
    assert use.loc["P3", "lease_scale"] == pytest.approx(5 / 6) and use.loc["P3", "owner_m2"] == 0.0
    assert use.loc["P5", "vacant_m2"] == pytest.approx(8_000.0) and use.loc["P5", "occupants"] == 1


def test_totals_are_conserved(world):
    parcels, firms, leases = world
    occ = link_firms_to_parcels(parcels, firms, leases)
    linked = firms[firms["uscc"].isin(occ.links["uscc"])]
    assert occ.links["tax_wan"].sum() == pytest.approx(linked["tax_wan"].sum())  # 90+12+10+20 = 132
    assert occ.links["tax_wan"].sum() == pytest.approx(132.0)
    assert occ.links["value_added_wan"].sum() == pytest.approx(300 + 40 + 60 + 70)
    assert occ.links.groupby("uscc")["land_share"].sum().tolist() == pytest.approx([1.0] * 4)
    per_parcel = occ.links.groupby("parcel_id")["land_area_m2"].sum()
    area = parcels.set_index("parcel_id")["area_m2"]
    for pid in ("P1", "P2", "P3"):  # occupied by a registry owner and/or tenants covering it
        assert per_parcel[pid] == pytest.approx(area[pid], rel=1e-12)
    assert per_parcel["P5"] == pytest.approx(2_000.0)  # the rest of P5 is vacant
    assert "P4" not in per_parcel.index  # owner code matches no firm: vacant, no links


def test_missing_tax_stays_missing_on_links(world):
    # B (tenant on P1 and P5) has no tax record: its links carry NaN, never 0, and the known
    # taxes still sum back: 90 (A) + 10 (D) + 20 (E) = 120
    parcels, firms, leases = world
    firms = firms.assign(tax_wan=firms["tax_wan"].where(firms["uscc"] != B))
    occ = link_firms_to_parcels(parcels, firms, leases)
    b = occ.links[occ.links["uscc"] == B]
    assert len(b) == 2 and b["tax_wan"].isna().all() and (b["land_area_m2"] > 0).all()
    assert occ.links["tax_wan"].sum() == pytest.approx(120.0)
    assert occ.links.loc[occ.links["uscc"] != B, "tax_wan"].notna().all()


def test_energy_column_skipped_when_absent(world):
    parcels, firms, leases = world
    occ = link_firms_to_parcels(parcels, firms.drop(columns="energy_tce_calorific"), leases)
    assert "energy_tce_calorific" not in occ.links.columns
    assert list(occ.links.columns[:6]) == [
        "uscc",
        "parcel_id",
        "tenure",
        "land_area_m2",
        "land_area_mu",
        "land_share",
    ]


def test_unlinked_firms_and_reasons(world):
    parcels, firms, leases = world
    led = Ledger()
    led.rows_in("parcels", 5)
    occ = link_firms_to_parcels(parcels, firms, leases, led)
    un = occ.unlinked.set_index("uscc")
    assert sorted(un.index) == sorted([C, F, G])
    assert un.loc[C, "reason_code"] == "leased_out"
    assert un.loc[F, "reason"] == "no parcel owned or leased"
    assert un.loc[G, "reason_code"] == "owner_code_invalid"
    assert "P4" in un.loc[G, "detail"] and G_BAD in un.loc[G, "detail"]
    notes = [e for e in led.events if e.input == "parcels"]
    # G_BAD differs from the registry's G only in the check character: reported as probably G
    assert [(e.row, e.problem) for e in notes] == [(4, "check_char_mismatch")]
    assert (
        G in notes[0].detail and G_BAD in notes[0].detail and "correct the parcel record" in notes[0].detail
    )
    f = occ.firms.set_index("uscc")
    assert np.isnan(f.loc[F, "land_area_mu"]) and f.loc[F, "parcel_count"] == 0
    assert f.loc[A, "land_area_mu"] == pytest.approx(45.0) and f.loc[A, "parcel_count"] == 2


def test_firm_land(world):
    parcels, firms, leases = world
    land = firm_land(link_firms_to_parcels(parcels, firms, leases))
    assert land.loc[A, "land_area_mu"] == pytest.approx(45.0) and land.loc[
        A, "owned_area_mu"
    ] == pytest.approx(45.0)
    assert land.loc[B, "land_area_mu"] == pytest.approx(10.5) and land.loc[
        B, "leased_area_mu"
    ] == pytest.approx(10.5)
    assert land.loc[B, "parcel_count"] == 2 and land.loc[D, "parcel_count"] == 1


def test_invalid_owner_code_matching_the_registry_links_with_a_note(world):
    parcels, firms, leases = world
    firms = firms.copy()
    firms.loc[firms["uscc"] == G, "uscc"] = G_BAD  # the registry has the same wrong code
    led = Ledger()
    led.rows_in("parcels", 5)
    occ = link_firms_to_parcels(parcels, firms, leases, led)
    assert occ.links.set_index("parcel_id").loc["P4", "uscc"] == G_BAD
    assert [e.problem for e in led.events if e.input == "parcels"] == ["owner_code_invalid"]
    assert "linked" in led.events[-1].detail


@settings(max_examples=40, deadline=None)
@given(
    areas=st.lists(st.floats(100, 50_000), min_size=1, max_size=6),
    owners=st.lists(st.integers(0, 4), min_size=6, max_size=6),
    leases=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.floats(1, 30_000)), max_size=8),
    taxes=st.lists(st.floats(0, 1_000), min_size=4, max_size=4),
)
def test_conservation_property(areas, owners, leases, taxes):
    firms = pd.DataFrame({"uscc": [code(i) for i in range(4)], "name": list("甲乙丙丁"), "tax_wan": taxes})
    parcels = pd.DataFrame(
        {
            "parcel_id": [f"P{i}" for i in range(len(areas))],
            "area_m2": areas,
            "owner_uscc": [code(owners[i]) if owners[i] < 4 else None for i in range(len(areas))],
        }
    )
    lz = pd.DataFrame(
        [(code(f), f"P{p}", a) for p, f, a in leases if p < len(areas) and code(f) != parcels.owner_uscc[p]],
        columns=["uscc", "parcel_id", "leased_area_m2"],
    ).drop_duplicates(["uscc", "parcel_id"])
    occ = link_firms_to_parcels(parcels, firms, lz)
    links = occ.links
    linked = firms[firms["uscc"].isin(links["uscc"])]
    assert links["tax_wan"].sum() == pytest.approx(linked["tax_wan"].sum(), rel=1e-9, abs=1e-9)
    assert np.allclose(links.groupby("uscc")["land_share"].sum(), 1.0)
    per = links.groupby("parcel_id")["land_area_m2"].sum()
    area = parcels.set_index("parcel_id")["area_m2"]
    assert (per <= area[per.index] * (1 + 1e-9)).all()
    leased = lz.groupby("parcel_id")["leased_area_m2"].sum()
    for pid, owner in zip(parcels["parcel_id"], parcels["owner_uscc"], strict=True):
        # a registry owner takes whatever tenants do not: the parcel is fully occupied;
        # without one, tenants occupy their leases (capped at the parcel) and the rest is vacant
        expect = area[pid] if pd.notna(owner) else min(area[pid], leased.get(pid, 0.0))
        assert per.get(pid, 0.0) == pytest.approx(expect, rel=1e-9)


# --- points -----------------------------------------------------------------------------------


@pytest.fixture
def two_squares():
    # ids chosen so that the lowest id is the *second* row: ties go by id, not by row order
    return gpd.GeoDataFrame(
        {"parcel_id": ["P20", "P10"]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
        crs=4549,
    )


def test_points_within_with_deterministic_boundary_tie(two_squares):
    pts = gpd.GeoDataFrame(
        geometry=[Point(X0 + 100, Y0 + 50), Point(X0 + 50, Y0 + 50), Point(X0 + 230, Y0 + 50)],
        index=["edge", "left", "outside"],
        crs=4549,
    )
    out = link_points_to_parcels(pts, two_squares, mode="within")
    assert out.loc["edge", "parcel_id"] == "P10" and out.loc["left", "parcel_id"] == "P20"
    assert pd.isna(out.loc["outside", "parcel_id"])
    near = link_points_to_parcels(pts, two_squares, mode="nearest")  # rule link.point_max_distance_m = 50
    assert near.loc["outside", "parcel_id"] == "P10" and near.loc["outside", "distance_m"] == pytest.approx(
        30.0
    )
    far = link_points_to_parcels(pts, two_squares, mode="nearest", max_distance_m=20)
    assert pd.isna(far.loc["outside", "parcel_id"]) and far.loc["left", "distance_m"] == 0.0
    # the same points given in lon/lat are reprojected first
    ll = link_points_to_parcels(pts.to_crs(4490), two_squares, mode="within")
    assert ll.loc["left", "parcel_id"] == "P20"


def test_footprint_largest_overlap(two_squares):
    fp = gpd.GeoDataFrame(geometry=[box(X0 + 60, Y0, X0 + 130, Y0 + 100)], crs=4549)  # 4 000 vs 3 000 m²
    assert link_points_to_parcels(fp, two_squares, mode="largest_overlap").loc[0, "parcel_id"] == "P20"
    even = gpd.GeoDataFrame(geometry=[box(X0 + 50, Y0, X0 + 150, Y0 + 100)], crs=4549)  # 5 000 each
    assert link_points_to_parcels(even, two_squares, mode="largest_overlap").loc[0, "parcel_id"] == "P10"


# --- lease convention (rule link.lease_convention) ------------------------------------------------


def test_landlord_convention_gives_owners_the_whole_parcel(world):
    from ruian_land.core import InputError
    from ruian_land.rules import load_rules

    parcels, firms, leases = world
    rules = load_rules().with_overrides({"link.lease_convention": "landlord"})
    occ = link_firms_to_parcels(parcels, firms, leases, rules=rules)
    links = occ.links.set_index(["uscc", "parcel_id"])
    # A holds P1 whole (15 000 m²) and P2 (20 000 m²): 52.5 亩, shares 3/7 and 4/7 of 90 万元
    assert links.loc[(A, "P1"), "land_area_m2"] == pytest.approx(15_000.0)
    assert links.loc[(A, "P1"), "tax_wan"] == pytest.approx(90 * 3 / 7)
    # B: 0 m² as tenant of A on P1, 2 000 m² on state land P5 (no registry owner): all B's tax on P5
    assert links.loc[(B, "P1"), "land_area_m2"] == 0.0 and links.loc[(B, "P1"), "land_share"] == 0.0
    assert links.loc[(B, "P5"), "land_share"] == 1.0 and links.loc[(B, "P5"), "tax_wan"] == 12.0
    # D and E hold nothing on C's P3; their tax still sits on P3 (share by leased area: 1 each)
    assert links.loc[(D, "P3"), "land_area_m2"] == 0.0 and links.loc[(D, "P3"), "tax_wan"] == 10.0
    assert links.loc[(C, "P3"), "land_area_mu"] == pytest.approx(15.0)  # C is no longer 'leased_out'
    assert C not in set(occ.unlinked["uscc"])
    # per parcel, the taxes of co-located firms summed (RULES.md §3), worked by hand:
    # P1 A 90·3/7 + B 0; P2 A 90·4/7; P3 C 5 + D 10 + E 20; P5 B 12 → 137 = all five linked firms
    per_tax = occ.links.groupby("parcel_id")["tax_wan"].sum().to_dict()
    assert per_tax == pytest.approx({"P1": 90 * 3 / 7, "P2": 90 * 4 / 7, "P3": 35.0, "P5": 12.0})
    # … and land conserved: owner parcels fully held, P5 only by its tenant
    per = occ.links.groupby("parcel_id")["land_area_m2"].sum()
    assert per.to_dict() == pytest.approx({"P1": 15_000.0, "P2": 20_000.0, "P3": 10_000.0, "P5": 2_000.0})
    assert occ.links.groupby("uscc")["land_share"].sum().tolist() == pytest.approx([1.0] * 5)
    f = occ.firms.set_index("uscc")
    assert f.loc[D, "land_area_mu"] == 0.0 and f.loc[B, "land_area_mu"] == pytest.approx(3.0)
    with pytest.raises(InputError, match="lease_convention"):
        link_firms_to_parcels(
            parcels, firms, leases, rules=load_rules().with_overrides({"link.lease_convention": "x"})
        )


# --- geocoded firms ----------------------------------------------------------------------------


def test_points_place_unlinked_firms_on_vacant_land_only(world):
    parcels, firms, leases = world
    H, J = code(8), code(9)
    firms = pd.concat(
        [firms, pd.DataFrame({"uscc": [H, J], "name": ["辛公司", "壬公司"], "tax_wan": [4.0, 6.0]})],
        ignore_index=True,
    )
    points = gpd.GeoDataFrame(
        {"uscc": [F, H, J, D, A], "source_row": [1, 2, 3, 4, 5]},
        geometry=[
            Point(X0 + 850, Y0 + 50),  # F on P5 (state land, 8 000 m² vacant)
            Point(X0 + 820, Y0 + 20),  # H on P5 too: F and H share the 8 000 m²
            Point(X0 + 300, Y0 + 50),  # J on P2, which its owner A occupies: not linked
            Point(X0 + 50, Y0 + 50),  # D (tenant on P3) geocoded onto P1: noted
            Point(X0 + 50, Y0 + 50),  # A on its own P1: fine
        ],
        crs=4549,
    )
    led = Ledger()
    for name, n in (("points", 5), ("parcels", 5), ("leases", 4)):
        led.rows_in(name, n)
    occ = link_firms_to_parcels(parcels, firms, leases, led, points=points)
    links = occ.links.set_index(["uscc", "parcel_id"])
    assert links.loc[(F, "P5"), "tenure"] == "located" and links.loc[(H, "P5"), "tenure"] == "located"
    assert links.loc[(F, "P5"), "land_area_m2"] == pytest.approx(4_000.0)  # 8 000 m² / 2 firms = 6 亩
    assert links.loc[(H, "P5"), "tax_wan"] == 4.0
    use = occ.parcels.set_index("parcel_id")
    assert use.loc["P5", "vacant_m2"] == pytest.approx(0.0) and use.loc["P5", "occupants"] == 3
    assert occ.links.groupby("parcel_id")["land_area_m2"].sum()["P5"] == pytest.approx(10_000.0)
    un = occ.unlinked.set_index("uscc")
    assert un.loc[J, "reason_code"] == "located_on_occupied_parcel" and "P2" in un.loc[J, "detail"]
    assert F not in un.index and H not in un.index
    ev = {e.row: (e.problem, e.detail) for e in led.events if e.input == "points"}
    assert ev[1][0] == "located_by_point" and "4,000.0 m² of its 8,000.0 m²" in ev[1][1]
    assert ev[3][0] == "located_on_occupied_parcel"
    assert ev[4][0] == "location_mismatch" and "P1" in ev[4][1] and "['P3']" in ev[4][1]
    assert 5 not in ev  # A's point is on A's parcel
    assert led.summary()["points"] == {"rows_in": 5, "kept": 5, "repaired": 0, "rejected": 0}
    # totals conserved with the located firms
    linked = firms[firms["uscc"].isin(occ.links["uscc"])]
    assert occ.links["tax_wan"].sum() == pytest.approx(linked["tax_wan"].sum())
