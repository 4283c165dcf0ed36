"""wordcloud's layout made cheaper, the same clouds: what ``analysis.wordclouds`` lays out and draws with.

wordcloud places words one by one: it opens the font at every size it tries,
measures the word, searches the map of the pixels taken, draws the word and
sums that map again.  Inside ``fast_layout`` the sizes just used stay open
(``_truetype``) and keep each word's box and glyph mask (``_kept_per_word``),
and the map is brought up to date from each word's own pixels
(``_Occupancy``), in the box where the drawing pasted the word
(``_Pasted``); ``colormap_colors`` looks a word's colour up in a table
made by wordcloud's own function.  Each gives the numbers wordcloud gives
alone, so the layout, the pixels and the SVG are wordcloud's own (tested in
tests/test_wordclouds.py); outside ``fast_layout`` wordcloud is untouched.

fast_layout      the block in which a cloud is laid out and drawn
colormap_colors  wordcloud's colours of a matplotlib colormap, made once
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib import colormaps

# Font sizes kept open between the words of a cloud.  A size of the CJK font holds
# about 3.3 MB in FreeType (256 sizes kept took a kernel from 0.2 to 1.2 GB);
# wordcloud walks down the sizes word after word, so a few dozen catch most of its
# repeats.
FONT_SIZES_KEPT = 32
# A font file this small (a run's font, ``fonts.drawing_font``: a few thousand
# glyphs, 0.6 MB) holds about a tenth of a megabyte a size, so every size stays open,
# from one cloud to the next: 40 town clouds opened 298 sizes instead of 11,594
# (+35 MB; 0.19 → 0.15 s a cloud).
SMALL_FONT_BYTES = 4_000_000
SMALL_FONT_SIZES_KEPT = 1024


# Of each kept size, the boxes and glyph masks of this many words are kept with it (``_kept_per_word``).
WORDS_KEPT_PER_SIZE = 256


def _open(path: str, size: int):
    """PIL's font *path* at *size*, which keeps what it measured and drew of each word (``_kept_per_word``)."""
    from PIL import ImageFont

    font = ImageFont.truetype(path, size)
    font.getbbox = _kept_per_word(font.getbbox)
    font.getmask = _kept_per_word(font.getmask)
    return font


def _kept_per_word(method):
    """A font's *method* (``getbbox``, ``getmask``) answering a call it answered before from memory.

    wordcloud asks for a word's box at each size it tries, and draws the word
    at the size it found room for; the town clouds of a build ask again and
    again for the same words at the same sizes.  The box is a tuple and the
    mask an image PIL only reads, both made by the font from its arguments
    alone, so the kept answer is the one the font would give.  A call whose
    arguments cannot be keys (a list of features) is answered by the font.
    """
    kept = lru_cache(maxsize=WORDS_KEPT_PER_SIZE)(lambda args, named: method(*args, **dict(named)))

    def call(*args, **kwargs):
        named = tuple(sorted(kwargs.items()))
        try:
            hash((args, named))
        except TypeError:
            return method(*args, **kwargs)
        return kept(args, named)

    call.cache_info = kept.cache_info
    return call


_open_large = lru_cache(maxsize=FONT_SIZES_KEPT)(_open)
_open_small = lru_cache(maxsize=SMALL_FONT_SIZES_KEPT)(_open)


@lru_cache(maxsize=8)
def _small(path: str) -> bool:
    return Path(path).stat().st_size <= SMALL_FONT_BYTES


def _truetype(path: str, size: int):
    """PIL's font *path* at *size*, kept open (``FONT_SIZES_KEPT`` sizes, or ``SMALL_FONT_SIZES_KEPT`` of a small file)."""
    return (_open_small if _small(path) else _open_large)(path, size)


class _KeptFonts:
    """PIL's ImageFont as wordcloud sees it inside ``fast_layout``: ``truetype`` opens each (font, size) once."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    @staticmethod
    def truetype(path, size):
        return _truetype(str(path), int(size))


class _Pasted:
    """PIL's drawing core (``ImageDraw.draw``) noting where each glyph mask is pasted, for ``_Occupancy``.

    ``ImageDraw.text`` draws a word by pasting its mask at a point
    (``draw_bitmap``): every pixel the word adds lies in that box.  The boxes
    (top, bottom, left, right, in rows and columns of the image) wait in
    *boxes* until the map is brought up to date.
    """

    def __init__(self, core, boxes: list) -> None:
        self._core, self._boxes = core, boxes

    def __getattr__(self, name: str):
        return getattr(self._core, name)

    def draw_bitmap(self, xy, bitmap, ink):
        x, y = int(xy[0]), int(xy[1])
        width, height = bitmap.size
        self._boxes.append((y, y + height, x, x + width))
        return self._core.draw_bitmap(xy, bitmap, ink)


class _Drawing:
    """PIL's ImageDraw as wordcloud sees it inside ``fast_layout``: each drawing's core notes where it pastes (``_Pasted``)."""

    def __init__(self, module, boxes: list) -> None:
        self._module, self._boxes = module, boxes

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    def Draw(self, im, mode=None):  # noqa: N802 - PIL's name
        draw = self._module.Draw(im, mode)
        draw.draw = _Pasted(draw.draw, self._boxes)
        return draw


class _Occupancy:
    """wordcloud's map of the pixels taken (``IntegralOccupancyMap``), its integral image brought up to date from
    the pixels the last word added.

    After each word wordcloud sums the image again from the word's corner to
    the canvas's far corner (two cumulative sums over most of the canvas, a
    fifth of a town's cloud).  A word adds pixels inside a small box, and the
    image only gains pixels: adding the box's sums to what lies right of and
    below it gives the same numbers.  That holds while every pixel a word adds
    lies right of and below the corner wordcloud recomputes from; when one
    does not (never seen), and with a mask, wordcloud's own update runs, for
    that word and every later one of the cloud, so its image stays wordcloud's
    own number for number.  Which positions are free, and the random draws
    that pick one, are wordcloud's (``sample_position``).

    The box is where the drawing pasted the word's mask (*boxes*, noted by
    ``_Pasted``); without exactly one box since the last update, it is found
    by comparing the image with the one before.  The sums are added in the
    map's own type (uint32, as wordcloud's sums wrap), so no number is cast.
    """

    def __init__(self, original, boxes: list | None = None):
        self._original = original
        self._boxes = [] if boxes is None else boxes

    def __call__(self, height: int, width: int, mask):
        occupancy = self._original(height, width, mask)
        pasted = self._boxes
        if mask is None:
            image = np.zeros((height, width), dtype=np.uint8)  # the image as of the last update
            pasted.clear()

            def update(img_array: np.ndarray, pos_x: int, pos_y: int) -> None:
                nonlocal image
                before, image = image, None
                boxes = pasted[:]
                pasted.clear()
                if before is not None and img_array.dtype == np.uint8 and img_array.shape == before.shape:
                    box = _box(boxes, height, width) if len(boxes) == 1 else None
                    if box is None or box[0] < pos_x or box[2] < pos_y:
                        box = _changed(img_array, before)  # every pixel the word changed, found by comparing
                    if box is None:  # nothing changed
                        image = img_array
                        return
                    r0, r1, c0, c1 = box
                    if r0 >= pos_x and c0 >= pos_y:
                        added = img_array[r0:r1, c0:c1].astype(np.uint32)
                        added -= before[r0:r1, c0:c1]
                        np.cumsum(added, axis=1, out=added)
                        np.cumsum(added, axis=0, out=added)
                        total = occupancy.integral
                        total[r0:r1, c0:c1] += added
                        total[r0:r1, c1:] += added[:, -1:]
                        total[r1:, c0:c1] += added[-1:, :]
                        total[r1:, c1:] += added[-1, -1]
                        image = img_array
                        return
                type(occupancy).update(occupancy, img_array, pos_x, pos_y)

            occupancy.update = update
        return occupancy


def _box(boxes: list, height: int, width: int) -> tuple[int, int, int, int] | None:
    """The one box of *boxes* inside an image of *height* × *width* (rows r0:r1, columns c0:c1), None when it is outside."""
    r0, r1, c0, c1 = boxes[0]
    r0, r1, c0, c1 = max(r0, 0), min(r1, height), max(c0, 0), min(c1, width)
    return (r0, r1, c0, c1) if r0 < r1 and c0 < c1 else None


def _changed(after: np.ndarray, before: np.ndarray) -> tuple[int, int, int, int] | None:
    """The rows r0:r1 and columns c0:c1 around every pixel that differs between *after* and *before*; None when none does."""
    changed = after != before
    rows = np.flatnonzero(changed.any(axis=1))
    if not len(rows):
        return None
    cols = np.flatnonzero(changed.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


class _ColormapColors:
    """wordcloud's ``colormap_color_func``: the same colour for the same random draw, from the colormap's table.

    wordcloud asks matplotlib for each word's colour (a colormap call, an
    array, a format); the colour depends only on the table entry
    ``int(draw × N)``, so the N colours are made once, by wordcloud's own
    function.
    """

    def __init__(self, colormap: str) -> None:
        from wordcloud.wordcloud import colormap_color_func

        original = colormap_color_func(colormap)
        self._n = colormaps[colormap].N
        self._colors = [original(None, None, None, None, random_state=_Draw((i + 0.5) / self._n)) for i in range(self._n)]

    def __call__(self, word=None, font_size=None, position=None, orientation=None, random_state=None, **kwargs) -> str:
        from random import Random

        entry = int((random_state or Random()).uniform(0, 1) * self._n)
        return self._colors[min(max(entry, 0), self._n - 1)]


class _Draw:
    """A random state whose ``uniform`` gives one number (``_ColormapColors`` asks wordcloud for each entry's colour)."""

    def __init__(self, value: float) -> None:
        self._value = value

    def uniform(self, low: float, high: float) -> float:
        return self._value


@lru_cache(maxsize=8)
def colormap_colors(colormap: str) -> _ColormapColors:
    """wordcloud's ``colormap_color_func(colormap)``, its colours made once (``_ColormapColors``)."""
    return _ColormapColors(colormap)


@contextmanager
def fast_layout() -> Iterator[None]:
    """While laying out and drawing a cloud, the sizes just used are opened again from memory, not from the file,
    and the map of the pixels taken is kept up to date from each word's own pixels (``_Occupancy``), in the box
    where the drawing pasted the word (``_Drawing``, ``_Pasted``).

    wordcloud opens the font file anew (``ImageFont.truetype``) for every size
    it tries for every word; with the full CJK font that was a third of a
    cloud's time.  The last sizes used stay open (``_truetype``).  The fonts are
    the same objects PIL gives, and the map holds the same numbers, so the
    picture is the same; outside this block wordcloud is untouched.
    """
    import wordcloud.wordcloud as module

    font, draw, occupancy = module.ImageFont, module.ImageDraw, module.IntegralOccupancyMap
    pasted: list = []  # where the drawing pasted glyphs since the map was last brought up to date
    module.ImageFont = _KeptFonts(font)
    module.ImageDraw = _Drawing(draw, pasted)
    module.IntegralOccupancyMap = _Occupancy(occupancy, pasted)
    try:
        yield
    finally:
        module.ImageFont, module.ImageDraw, module.IntegralOccupancyMap = font, draw, occupancy
