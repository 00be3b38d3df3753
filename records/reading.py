"""Reading what is inside a record file: PDF page count, DICOM study and series, a PNG preview,
and for a huge JPEG or PNG the reduced copy the viewer shows (records.images).

Pure functions on a local file path. Any problem the file's content causes is raised as
Unreadable (its message, our own words without anything from the file, says why), so that the
caller flags the file "could not read" and keeps it. A DICOM file whose picture cannot be
decoded is still read: its study and series are kept and `metadata["no_preview"]` says why.
"""

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from secondopinion.words import Words

if TYPE_CHECKING:
    from .images import ReducedCopy

CHUNK = 1024 * 1024  # how much of a file is read, hashed or copied at a time
PREVIEW_SIZE = (320, 320)


class Unreadable(Exception):
    """Why a file could not be read; `metadata` is kept with the reason (an image too large to
    read says so, and its size when known)."""

    def __init__(self, words: Words, metadata: dict | None = None):
        super().__init__(str(words))
        self.words = words
        self.metadata = metadata or {}


@dataclass
class Reading:
    page_count: int | None = None
    metadata: dict = field(default_factory=dict)
    preview_png: bytes | None = None
    reduced: "ReducedCopy | None" = None


def _png(image, orientation: int = 1) -> bytes:
    """A thumbnail within PREVIEW_SIZE (the picture itself is left as it is), upright."""
    from PIL import Image

    from .images import upright

    scale = min(PREVIEW_SIZE[0] / image.width, PREVIEW_SIZE[1] / image.height, 1)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    thumbnail = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    thumbnail = upright(thumbnail, orientation)
    if thumbnail.mode not in ("L", "RGB"):
        thumbnail = thumbnail.convert("RGB")
    buffer = io.BytesIO()
    thumbnail.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def read_pdf(path: Path) -> Reading:
    import pypdfium2 as pdfium

    try:
        with pdfium.PdfDocument(str(path)) as pdf:
            pages = len(pdf)
            if pages == 0:
                raise Unreadable(Words(gettext_noop("The PDF has no pages.")))
            page = pdf[0]
            width = page.get_width() or 1
            bitmap = page.render(scale=min(2.0, PREVIEW_SIZE[0] / width))
            return Reading(page_count=pages, preview_png=_png(bitmap.to_pil()))
    except pdfium.PdfiumError as error:
        raise Unreadable(
            Words(gettext_noop("The PDF is damaged or protected by a password."))
        ) from error


def read_image(path: Path) -> Reading:
    from PIL import Image, UnidentifiedImageError

    from .images import TooLarge

    try:
        with warnings.catch_warnings():
            # Pillow warns past its limit and refuses past twice it, on the stored size;
            # images.decode holds the pixels actually decoded to the limit itself.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return _read_picture(image)
    except Image.DecompressionBombError as error:
        raise Unreadable(TooLarge().words, {"too_large": True}) from error
    except TooLarge as error:
        size = {"width": error.width, "height": error.height}
        raise Unreadable(error.words, {"too_large": True, **size}) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise Unreadable(
            Words(
                gettext_noop("The image is damaged or cut short (%(error)s)."),
                {"error": type(error).__name__},
            )
        ) from error


def _read_picture(image) -> Reading:
    """An opened image's size, pages and thumbnail, and its reduced copy when it is huge."""
    from . import images

    pages = getattr(image, "n_frames", 1)
    width, height = images.upright_size(image)
    orientation = images.orientation(image)
    viewer_size = (
        images.size_for_viewer(*image.size) if image.format in images.VIEWER_FORMATS else None
    )
    decoded = images.decode(image, viewer_size or PREVIEW_SIZE)
    metadata: dict[str, Any] = {"width": width, "height": height}
    reduced = None
    if viewer_size:
        reduced = images.reduced_copy(decoded, viewer_size, orientation)
        metadata |= {"reduced_width": reduced.width, "reduced_height": reduced.height}
    return Reading(
        page_count=pages if pages > 1 else None,
        metadata=metadata,
        preview_png=_png(decoded, orientation),
        reduced=reduced,
    )


# DICOM attributes kept for grouping and display. Patient identifiers are deliberately not read.
_DICOM_TEXT = {
    "study_uid": "StudyInstanceUID",
    "series_uid": "SeriesInstanceUID",
    "modality": "Modality",
    "body_part": "BodyPartExamined",
    "study_date": "StudyDate",
    "study_description": "StudyDescription",
    "series_description": "SeriesDescription",
}
_DICOM_NUMBERS = {"series_number": "SeriesNumber", "instance_number": "InstanceNumber"}

# What a DICOM file holds, from its SOP class: pictures, or objects that are not pictures.
IMAGE, STRUCTURED_REPORT, WAVEFORM, DOCUMENT, OTHER = (
    "image",
    "structured_report",
    "waveform",
    "document",
    "other",
)
_SOP_CLASS_PREFIXES = {
    "1.2.840.10008.5.1.4.1.1.88.": STRUCTURED_REPORT,
    "1.2.840.10008.5.1.4.1.1.9.": WAVEFORM,
    "1.2.840.10008.5.1.4.1.1.104.": DOCUMENT,
}
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def _dicom_kind(dataset, sop_class: str) -> str:
    from pydicom.uid import UID

    for prefix, kind in _SOP_CLASS_PREFIXES.items():
        if sop_class.startswith(prefix):
            return kind
    if dataset.get("Modality") == "SR":
        return STRUCTURED_REPORT
    if "WaveformSequence" in dataset:
        return WAVEFORM
    if any(keyword in dataset for keyword in _PIXEL_KEYWORDS):
        return IMAGE
    # An image SOP class ("CT Image Storage") without its pixels is a picture that can't be shown.
    is_image_class = sop_class and "Image Storage" in UID(sop_class).name
    return IMAGE if is_image_class or "PhotometricInterpretation" in dataset else OTHER


def _dicom_metadata(dataset) -> dict:
    from pydicom.uid import UID

    metadata: dict[str, Any] = {}
    for key, keyword in _DICOM_TEXT.items():
        value = dataset.get(keyword)
        metadata[key] = str(value).strip()[:200] if value not in (None, "") else ""
    for key, keyword in _DICOM_NUMBERS.items():
        value = dataset.get(keyword)
        try:
            metadata[key] = int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            metadata[key] = None
    date = metadata["study_date"]
    if len(date) == 8 and date.isdigit():
        metadata["study_date"] = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    if not metadata["study_uid"] or not metadata["series_uid"]:
        # A DICOMDIR index, or a file stripped of its identifiers: kept in a group of its own.
        metadata["study_uid"] = metadata["series_uid"] = ""
    # What the file says it is: its SOP class, else the one its file header names.
    sop_class = str(
        dataset.get("SOPClassUID")
        or getattr(getattr(dataset, "file_meta", None), "MediaStorageSOPClassUID", None)
        or ""
    ).strip()
    metadata["kind"] = _dicom_kind(dataset, sop_class)
    metadata["sop_class"] = UID(str(sop_class)).name[:120] if sop_class else ""
    return metadata


def _frames(dataset) -> int:
    try:
        return max(1, int(dataset.get("NumberOfFrames", 1) or 1))
    except (TypeError, ValueError):
        return 1


def _to_8_bits(pixels, bits: int):
    """Colour samples of any depth as 0-255."""
    import numpy as np

    if pixels.dtype == np.uint8:
        return pixels
    bits = bits if 8 < bits <= 32 else pixels.dtype.itemsize * 8
    return (pixels.astype(np.float64) / (2**bits - 1) * 255).clip(0, 255).astype(np.uint8)


def _dicom_picture(dataset):
    """The middle frame as a PIL image in grey or colour (only that frame is decoded)."""
    import numpy as np
    from PIL import Image
    from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut

    frames = _frames(dataset)
    dataset.pixel_array_options(index=frames // 2 if frames > 1 else None)
    pixels = dataset.pixel_array
    photometric = str(dataset.get("PhotometricInterpretation", "")).strip()
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, dataset)
        bits = 16 if rgb.dtype != np.uint8 else 8
        return Image.fromarray(_to_8_bits(rgb, bits))
    if pixels.ndim == 3 and pixels.shape[-1] == 3:  # RGB, or YBR that pydicom converted
        bits = int(dataset.get("BitsStored", 8) or 8)
        return Image.fromarray(_to_8_bits(np.ascontiguousarray(pixels), bits))
    if pixels.ndim != 2:
        raise ValueError("unexpected shape")
    pixels = apply_voi_lut(apply_modality_lut(pixels, dataset), dataset).astype(np.float64)
    low, high = float(pixels.min()), float(pixels.max())
    scaled = (pixels - low) / (high - low) * 255 if high > low else np.zeros_like(pixels)
    if photometric == "MONOCHROME1":
        scaled = 255 - scaled
    return Image.fromarray(scaled.astype(np.uint8))


# Why a picture could not be shown, in words for people (never the decoder's own message,
# which may quote values from the file).
_DECODE_PROBLEMS = {
    ValueError: gettext_noop(
        "its pixel data do not match the image's own description (cut short or damaged)"
    ),
    RuntimeError: gettext_noop("no installed decoder could read its compressed pixel data"),
    NotImplementedError: "its pixel encoding is not supported",
    AttributeError: "an attribute needed to decode it is missing",
    KeyError: "an attribute needed to decode it is missing",
}


def _transfer_syntax_name(dataset) -> str:
    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    return syntax.name if syntax is not None else "transfer syntax not given"


def _dicom_preview(dataset, kind: str) -> tuple[bytes | None, Words | None]:
    """(PNG, None) for a picture that decodes; (None, why) for one that does not."""
    if kind != IMAGE:
        return None, None
    if not any(keyword in dataset for keyword in _PIXEL_KEYWORDS):
        return None, Words(gettext_noop("The file holds no pixel data."))
    try:
        return _png(_dicom_picture(dataset)), None
    except Exception as error:  # any decoder failure: the metadata is kept all the same
        problem = next(
            (words for kind_, words in _DECODE_PROBLEMS.items() if isinstance(error, kind_)),
            gettext_noop("its pixel data could not be decoded"),
        )
        return None, Words(
            gettext_noop("The picture could not be decoded (%(syntax)s): %(problem)s."),
            {"syntax": _transfer_syntax_name(dataset), "problem": Words(problem)},
        )


def read_dicom(path: Path) -> Reading:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom warns about every small deviation
            dataset = pydicom.dcmread(path)
            if len(dataset) == 0:
                raise Unreadable(
                    Words(
                        gettext_noop(
                            "The file holds only a DICOM header, no data: it was cut short."
                        )
                    )
                )
            metadata = _dicom_metadata(dataset)
            preview, problem = _dicom_preview(dataset, metadata["kind"])
    except Unreadable:
        raise
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, NotImplementedError, RuntimeError) as error:  # fmt: skip
        raise Unreadable(
            Words(
                gettext_noop("The file is not valid DICOM or is cut short (%(error)s)."),
                {"error": type(error).__name__},
            )
        ) from error
    if problem:
        metadata["no_preview"] = str(problem)
        metadata["no_preview_words"] = problem.stored()
    frames = _frames(dataset)
    return Reading(
        page_count=frames if frames > 1 else None, metadata=metadata, preview_png=preview
    )


READERS = {
    "application/pdf": read_pdf,
    "image/jpeg": read_image,
    "image/png": read_image,
    "image/tiff": read_image,
    "application/dicom": read_dicom,
}


def can_read(content_type: str) -> bool:
    return content_type in READERS


def read_file(path: Path, content_type: str) -> Reading:
    return READERS[content_type](path)
