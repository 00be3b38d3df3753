"""Reading what is inside a record file: PDF page count, DICOM study and series, a PNG preview.

Pure functions on a local file path. Any problem the file's content causes is raised as
Unreadable, so that the caller flags the file "could not read" and keeps it.
"""

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

PREVIEW_SIZE = (320, 320)


class Unreadable(Exception):
    pass


@dataclass
class Reading:
    page_count: int | None = None
    metadata: dict = field(default_factory=dict)
    preview_png: bytes | None = None


def _png(image) -> bytes:
    from PIL import Image

    image = image.copy()
    image.thumbnail(PREVIEW_SIZE, Image.Resampling.LANCZOS)
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def read_pdf(path: Path) -> Reading:
    import pypdfium2 as pdfium

    try:
        with pdfium.PdfDocument(str(path)) as pdf:
            pages = len(pdf)
            if pages == 0:
                raise Unreadable("The PDF has no pages.")
            page = pdf[0]
            width = page.get_width() or 1
            bitmap = page.render(scale=min(2.0, PREVIEW_SIZE[0] / width))
            return Reading(page_count=pages, preview_png=_png(bitmap.to_pil()))
    except pdfium.PdfiumError as error:
        raise Unreadable(str(error)) from error


def read_image(path: Path) -> Reading:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            pages = getattr(image, "n_frames", 1)
            return Reading(page_count=pages if pages > 1 else None, preview_png=_png(image))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise Unreadable(str(error)) from error


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


def _dicom_metadata(dataset) -> dict:
    metadata = {}
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
        raise Unreadable("The DICOM file names no study or series.")
    return metadata


def _dicom_preview(dataset) -> bytes | None:
    import numpy as np
    from PIL import Image
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    if "PixelData" not in dataset:
        return None
    pixels = dataset.pixel_array
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        pixels = pixels[frames // 2]  # the middle frame of a multi-frame image
    if dataset.get("PhotometricInterpretation", "").startswith("MONOCHROME"):
        pixels = apply_voi_lut(apply_modality_lut(pixels, dataset), dataset)
        pixels = pixels.astype(np.float64)
        low, high = float(pixels.min()), float(pixels.max())
        scaled = (pixels - low) / (high - low) * 255 if high > low else np.zeros_like(pixels)
        if dataset.PhotometricInterpretation == "MONOCHROME1":
            scaled = 255 - scaled
        return _png(Image.fromarray(scaled.astype(np.uint8), mode="L"))
    return _png(Image.fromarray(pixels.astype(np.uint8)))


def read_dicom(path: Path) -> Reading:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom warns about every small deviation
            dataset = pydicom.dcmread(path)
            metadata = _dicom_metadata(dataset)
            preview = _dicom_preview(dataset)
    except Unreadable:
        raise
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, NotImplementedError, RuntimeError) as error:  # fmt: skip
        raise Unreadable(f"{type(error).__name__}: {error}") from error
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
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
