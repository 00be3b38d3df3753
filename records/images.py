"""Decoding JPEG, PNG and TIFF records within bounds, and the reduced copy a huge one is viewed in.

A browser asked to show a 12000 × 9000 photograph decodes 108 million pixels (432 MB) before it
draws one. So when a JPEG or PNG is larger than VIEWER_MAX_SIDE on its longest side or
VIEWER_MAX_PIXELS in all, reading it (records.reading, in the worker) also makes a copy within
both, upright and in the same format, which the viewer is sent instead; the original is opened
on demand. Decoding respects Pillow's decompression-bomb limit (`Image.MAX_IMAGE_PIXELS`) as a
limit on the pixels actually decoded: a JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that
still covers what is needed (`Image.draft`), a PNG or TIFF whole, and a picture that would need
more than the limit is refused with its size in words (`TooLarge`), never decoded.
"""

import io
import math
from dataclasses import dataclass

from django.utils.translation import gettext_noop
from PIL import Image

from secondopinion.words import Words

VIEWER_MAX_SIDE = 4096
VIEWER_MAX_PIXELS = 4096 * 3072  # 12.6 million: a 12-megapixel phone photo is shown as it is
# The formats the viewer shows (the types records.viewing sends to the image viewer), and the
# format their reduced copy is written in: the original's own.
VIEWER_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG"}
_DRAFTABLE = frozenset({"JPEG", "MPO"})  # decoded at a fraction of their size by libjpeg

# The EXIF orientation (tag 0x0112) and how to turn the pixels upright, as browsers show them.
_ORIENTATION = 0x0112
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class TooLarge(Exception):
    """Reading the picture would decode more pixels than Pillow's decompression-bomb limit."""

    def __init__(self, width: int | None = None, height: int | None = None):
        self.width, self.height = width, height
        limit = Image.MAX_IMAGE_PIXELS or 0
        # Up to twice its limit Pillow opens the file, so its size is known; past that it says
        # only that the picture is larger.
        size = (
            Words(gettext_noop("%(width)s × %(height)s pixels"), {"width": width, "height": height})
            if width and height
            else Words(
                gettext_noop("more than %(millions)s million pixels"),
                {"millions": 2 * limit // 1_000_000},
            )
        )
        self.words = Words(
            gettext_noop(
                "The image is too large to read safely: %(size)s, and we decode at most "
                "%(limit)s million. Download it to open it."
            ),
            {"size": size, "limit": limit // 1_000_000},
        )
        super().__init__(str(self.words))


@dataclass(frozen=True)
class ReducedCopy:
    content: bytes
    width: int
    height: int
    extension: str  # "jpg" or "png": its format, the original's


def size_for_viewer(width: int, height: int) -> tuple[int, int] | None:
    """The size of the copy the viewer is sent instead of a `width` × `height` picture (the
    same aspect ratio, within both limits), or None when the picture is small enough as it is."""
    scale = min(
        VIEWER_MAX_SIDE / max(width, height), math.sqrt(VIEWER_MAX_PIXELS / (width * height))
    )
    if scale >= 1:
        return None
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def upright_size(image: Image.Image) -> tuple[int, int]:
    """The picture's size as it is shown: width and height swapped when EXIF turns it."""
    width, height = image.size
    return (height, width) if orientation(image) in (5, 6, 7, 8) else (width, height)


def orientation(image: Image.Image) -> int:
    """The EXIF orientation (1, upright as stored, when there is none)."""
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except (TypeError, ValueError):  # an orientation that is not a number: shown as stored
        return 1


def decode(image: Image.Image, at_least: tuple[int, int]) -> Image.Image:
    """Load the picture (opened, not yet loaded) at the smallest scale at least `at_least` in
    both directions that its format can decode to (a JPEG; others whole), after checking the
    pixels that takes against Pillow's limit. Raises TooLarge."""
    width, height = image.size
    if image.format in _DRAFTABLE:
        image.draft(None, at_least)
    limit = Image.MAX_IMAGE_PIXELS
    if limit and image.size[0] * image.size[1] > limit:
        raise TooLarge(width, height)
    image.load()
    return image


def upright(image: Image.Image, orientation: int) -> Image.Image:
    method = _UPRIGHT.get(orientation)
    return image.transpose(method) if method is not None else image


def reduced_copy(image: Image.Image, size: tuple[int, int], orientation: int) -> ReducedCopy:
    """`image` (decoded) resized to `size` (in its stored orientation), turned upright and
    written in its own format, without its metadata (EXIF, text chunks)."""
    target_format = VIEWER_FORMATS[image.format or "PNG"]
    picture = _mode_for(image, target_format)
    # reducing_gap: a fast integer reduce() first, then Lanczos over the last factor of 3.
    picture = upright(picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0), orientation)
    buffer = io.BytesIO()
    if target_format == "JPEG":
        picture.save(buffer, format="JPEG", quality=90, progressive=True)
    else:
        picture.save(buffer, format="PNG", compress_level=6)
    extension = "jpg" if target_format == "JPEG" else "png"
    return ReducedCopy(buffer.getvalue(), *picture.size, extension=extension)


def _mode_for(image: Image.Image, target_format: str) -> Image.Image:
    """The picture in a mode its format stores and a resize keeps smooth (a palette or 1-bit
    picture is resized as colour or grey, not by nearest neighbour)."""
    if target_format == "JPEG":
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image
