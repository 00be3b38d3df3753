"""Record files made for tests: DICOM slices (with pydicom), PDFs, PNGs and JPEGs, a Windows
program."""

import io

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from tests.factories import MINIMAL_PDF

WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)


def dicom_slice(
    *,
    study_uid: str,
    series_uid: str,
    instance: int,
    size: int = 32,
    modality: str = "CT",
    body_part: str = "CHEST",
    series_number: int = 1,
    series_description: str = "Axial chest",
) -> bytes:
    """One 16-bit monochrome slice, a gradient that differs per instance, as a DICOM file."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = modality
    ds.BodyPartExamined = body_part
    ds.StudyDate = "20260614"
    ds.StudyDescription = "CT chest with contrast"
    ds.SeriesDescription = series_description
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance
    ds.PatientName = "Test^Patient"
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = b"".join(
        ((row * 40 + col * 3 + instance * 500) % 4096).to_bytes(2, "little")
        for row in range(size)
        for col in range(size)
    )
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def dicom_study(slices: int = 3, **kwargs) -> list[bytes]:
    study_uid, series_uid = generate_uid(), generate_uid()
    return [
        dicom_slice(study_uid=study_uid, series_uid=series_uid, instance=n + 1, **kwargs)
        for n in range(slices)
    ]


def with_the_wrong_encoding_named(dicom: bytes) -> bytes:
    """The same DICOM file with its data set written in implicit VR while its header still names
    explicit VR little endian: a fault found in the wild, which pydicom reads through (with a
    warning) and a browser's DICOM parser does not."""
    import pydicom
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset, write_file_meta_info

    dataset = pydicom.dcmread(io.BytesIO(dicom))
    out = DicomBytesIO()
    out.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(out, dataset.file_meta, enforce_standard=True)
    out.is_little_endian, out.is_implicit_VR = True, True
    write_dataset(out, dataset)
    return out.getvalue()


def png_image(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def picture(
    width: int, height: int, image_format: str = "JPEG", *, orientation: int | None = None
) -> bytes:
    """A grey picture (one byte a pixel keeps a huge one light to make) with a dark band down
    its left edge, so which way up it is shows; `orientation` sets its EXIF orientation."""
    from PIL import Image

    image = Image.new("L", (width, height), 200)
    image.paste(20, (0, 0, max(1, width // 10), height))
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(buffer, format=image_format, exif=exif)
    return buffer.getvalue()


def pdf_with_pages(pages: int) -> bytes:
    """A valid PDF with `pages` blank pages (pypdf writes it)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=300)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def distinct_pdf(tag: str) -> bytes:
    """The minimal PDF with a comment that makes its SHA-256 its own."""
    return MINIMAL_PDF + f"% {tag}\n".encode()
