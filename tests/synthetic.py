"""A synthetic corpus large enough for the briefings' "many reports" path, written into a test's folder.

Every copy of the five real reports of data/raw gets a made-up town name (the
real name replaced throughout the text); every second copy is the same town
one year earlier, so towns have two years.  Nothing is written under data/raw.
"""

from __future__ import annotations

from pathlib import Path

from analysis import config

# Characters for made-up names (as benchmarks/make_corpus.py): none is a level suffix or part of a refused word.
NAME_CHARS = "安宝北长大东丰福高广海和红华吉嘉金康兰乐林龙明南宁平庆泉荣瑞山胜顺太天同文西祥新兴阳永玉云中"
REAL_TOWNS = {"神树": 2025, "都督": 2024, "上社": 2025, "双庙": 2025, "乌马河": 2025}  # name without 镇/乡, year reported


def write_corpus(folder: str | Path, *, copies: int = 12) -> Path:
    """Write ``5 × copies`` reports into *folder* (``copies // 2`` made-up towns per real one, two years each); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(config.DATA_RAW.glob("*.txt"))
    n = 0
    for copy in range(copies):
        pair, earlier = divmod(copy, 2)
        for j, path in enumerate(sources):
            text = path.read_text(encoding="utf-8")
            real = next(name for name in REAL_TOWNS if name in text)
            year = REAL_TOWNS[real]
            made_up = NAME_CHARS[pair] + NAME_CHARS[20 + j]
            text = text.replace(real, made_up)
            if earlier:
                text = text.replace(f"{year}年", f"{year - 1}年")
            (folder / f"{n:03d}_{made_up}.txt").write_text(text, encoding="utf-8")
            n += 1
    return folder
