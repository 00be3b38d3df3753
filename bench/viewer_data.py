"""Files the viewer bench and browser tests open: a CT series made with pydicom (512×512,
16-bit, with the tags a scanner writes) and a long PDF made with WeasyPrint. Synthetic: the
patient is "Bench^Patient", the body a phantom of ellipses."""

import io

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

CT_SIZE = 512
SLICE_THICKNESS_MM = 2.5
PIXEL_SPACING_MM = 0.7
RESCALE_INTERCEPT = -1024  # stored value 0 is -1024 HU (air)


def _phantom(size: int, z: float) -> np.ndarray:
    """A chest-like slice in Hounsfield units: air, a body of soft tissue, two lungs whose size
    changes with z, a spine of bone, and a little noise."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    cx, cy = size / 2, size / 2
    hu = np.full((size, size), -1000.0, dtype=np.float32)
    body = ((x - cx) / (size * 0.42)) ** 2 + ((y - cy) / (size * 0.32)) ** 2 <= 1
    hu[body] = 40
    lung_scale = 0.6 + 0.4 * np.sin(np.pi * z)
    for side in (-1, 1):
        lung = ((x - cx - side * size * 0.18) / (size * 0.13 * lung_scale)) ** 2 + (
            (y - cy + size * 0.02) / (size * 0.2 * lung_scale)
        ) ** 2 <= 1
        hu[lung] = -800
    spine = ((x - cx) / (size * 0.05)) ** 2 + ((y - cy - size * 0.2) / (size * 0.05)) ** 2 <= 1
    hu[spine] = 700
    rng = np.random.default_rng(int(z * 1000))
    return hu + rng.normal(0, 12, hu.shape).astype(np.float32)


def ct_slice(
    *,
    study_uid: str,
    series_uid: str,
    frame_uid: str,
    instance: int,
    count: int,
    size: int = CT_SIZE,
) -> bytes:
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
    ds.FrameOfReferenceUID = frame_uid
    ds.Modality = "CT"
    ds.Manufacturer = "Bench"
    ds.BodyPartExamined = "CHEST"
    ds.StudyDate = ds.SeriesDate = "20261201"
    ds.StudyDescription = "CT chest with contrast"
    ds.SeriesDescription = "Axial 2.5 mm soft tissue"
    ds.SeriesNumber = 2
    ds.InstanceNumber = instance
    ds.PatientName = "Bench^Patient"
    ds.PatientID = "BENCH-0001"
    ds.KVP = 120
    ds.SliceThickness = SLICE_THICKNESS_MM
    ds.PixelSpacing = [PIXEL_SPACING_MM, PIXEL_SPACING_MM]
    z = -instance * SLICE_THICKNESS_MM
    ds.ImagePositionPatient = [-size * PIXEL_SPACING_MM / 2, -size * PIXEL_SPACING_MM / 2, z]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SliceLocation = z
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = RESCALE_INTERCEPT
    ds.RescaleSlope = 1
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    hu = _phantom(size, instance / (count + 1))
    stored = np.clip(hu - RESCALE_INTERCEPT, 0, 4095).astype("<u2")
    ds.PixelData = stored.tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def ct_series(count: int = 40, size: int = CT_SIZE) -> list[bytes]:
    """`count` slices of one series, in instance order."""
    study_uid, series_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    return [
        ct_slice(
            study_uid=study_uid,
            series_uid=series_uid,
            frame_uid=frame_uid,
            instance=n,
            count=count,
            size=size,
        )
        for n in range(1, count + 1)
    ]


def long_pdf(pages: int = 100) -> bytes:
    """A report of `pages` A4 pages, each with its number and a few paragraphs of text (so the
    text layer and search have words to find: "Page N" and, on page 2, "ductal carcinoma")."""
    from weasyprint import HTML

    paragraph = (
        "<p>The specimen was received in formalin and measured in three dimensions. Sections "
        "were taken from each margin and stained with haematoxylin and eosin.</p>"
    )
    sections = []
    for number in range(1, pages + 1):
        finding = "<p>Diagnosis: ductal carcinoma in situ.</p>" if number == 2 else ""
        sections.append(f"<section><h1>Page {number}</h1>{finding}{paragraph * 6}</section>")
    html = (
        "<html><head><style>@page { size: A4; margin: 2cm } section { break-after: page }"
        "</style></head><body>" + "".join(sections) + "</body></html>"
    )
    return HTML(string=html).write_pdf()
