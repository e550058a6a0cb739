"""The synthetic sample county: a Ruian-like set of bureau files on the real Ruian outline.

Real tax and energy records are confidential, so the default run of the toolkit uses a
generated county (DESIGN §2): ~4 800 irregular industrial parcels in 11 clusters around the
real town seats, ~3 500 firms (~600 规上) with Ruian's industry mix, the bureaus' tables as
they arrive (GBK CSV with a 合计 row, xlsx with a title row, ``—`` for not reported …),
control lines, town areas and a built-up raster, with realistic faults planted and listed.

>>> county = build_sample(scale=0.05)          # doctest: +SKIP
>>> paths = write_sample(county, "data")        # doctest: +SKIP

``python -m ruian_land.sample --out data --seed 20211130`` regenerates the committed
``data/`` byte for byte; ``python -m ruian_land.sample --province --parcels 1000000 --out /tmp/prov``
writes a province-scale set (the county tiled, :mod:`ruian_land.sample.province`).
"""

from ruian_land.sample.generate import (
    DEFAULT_SEED,
    FILES,
    MAX_SCALE,
    SampleCounty,
    SampleTruth,
    build_sample,
    generate_sample,
    write_sample,
)
from ruian_land.sample.province import (
    MAX_TILES,
    PARQUET_FILES,
    Province,
    build_province,
    generate_province,
    recode_uscc,
    tile_admin_codes,
    write_province,
)

__all__ = [
    "DEFAULT_SEED",
    "FILES",
    "MAX_SCALE",
    "MAX_TILES",
    "PARQUET_FILES",
    "Province",
    "SampleCounty",
    "SampleTruth",
    "build_province",
    "build_sample",
    "generate_province",
    "generate_sample",
    "recode_uscc",
    "tile_admin_codes",
    "write_province",
    "write_sample",
]
