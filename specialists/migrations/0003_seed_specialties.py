"""Seed the controlled list of specialties, and carry the old free-text specialty and
credentials of existing specialists over to the new structure."""

from django.db import migrations

# (name, keywords, [(subspecialty, keywords), …]): frozen here; the admin keeps the list after.
SPECIALTIES = [
    (
        "Medical oncology",
        [
            "cancer",
            "carcinoma",
            "tumour",
            "tumor",
            "malignant",
            "malignancy",
            "metastatic",
            "metastasis",
            "chemotherapy",
            "immunotherapy",
            "oncology",
            "sarcoma",
            "melanoma",
        ],
        [
            ("Breast oncology", ["breast", "ductal", "lobular", "DCIS", "HER2", "mastectomy"]),
            ("Thoracic oncology", ["lung cancer", "NSCLC", "small cell", "mesothelioma"]),
            (
                "Gastrointestinal oncology",
                [
                    "colorectal",
                    "colon cancer",
                    "pancreatic",
                    "gastric cancer",
                    "oesophageal",
                    "esophageal",
                    "hepatocellular",
                ],
            ),
            (
                "Genitourinary oncology",
                ["prostate cancer", "bladder cancer", "renal cell", "kidney cancer", "testicular"],
            ),
        ],
    ),
    ("Radiation oncology", ["radiotherapy", "radiation therapy", "brachytherapy"], []),
    ("Surgical oncology", ["lumpectomy", "tumour resection", "tumor resection"], []),
    (
        "Haematology",
        ["anaemia", "anemia", "haemophilia", "hemophilia", "thrombosis", "platelet"],
        [
            (
                "Haematological malignancies",
                ["leukaemia", "leukemia", "lymphoma", "myeloma", "myelodysplastic"],
            )
        ],
    ),
    (
        "Cardiology",
        ["heart", "cardiac", "coronary", "angina", "myocardial", "valve", "cardiology"],
        [
            (
                "Electrophysiology",
                ["arrhythmia", "atrial fibrillation", "ablation", "pacemaker", "tachycardia"],
            ),
            ("Interventional cardiology", ["stent", "angioplasty", "coronary artery disease"]),
            ("Heart failure", ["heart failure", "cardiomyopathy", "ejection fraction"]),
        ],
    ),
    ("Cardiothoracic surgery", ["bypass", "CABG", "valve replacement"], []),
    (
        "Neurology",
        ["neurology", "neuropathy", "migraine", "dementia"],
        [
            ("Epilepsy", ["epilepsy", "seizure"]),
            ("Movement disorders", ["Parkinson", "Parkinson's", "tremor", "dystonia"]),
            ("Multiple sclerosis", ["multiple sclerosis", "demyelinating"]),
            ("Stroke medicine", ["stroke"]),
        ],
    ),
    ("Neurosurgery", ["glioma", "brain tumour", "brain tumor", "hydrocephalus"], []),
    (
        "Orthopaedic surgery",
        ["fracture", "knee", "hip", "shoulder", "orthopaedic", "orthopedic"],
        [
            ("Spine surgery", ["spine", "spinal", "scoliosis", "disc herniation"]),
            ("Sports medicine", ["meniscus", "ligament", "ACL", "rotator cuff"]),
            ("Joint replacement", ["arthroplasty", "hip replacement", "knee replacement"]),
        ],
    ),
    ("Rheumatology", ["rheumatoid", "lupus", "arthritis", "vasculitis", "gout"], []),
    (
        "Gastroenterology",
        ["reflux", "coeliac", "celiac", "gastroenterology", "pancreatitis"],
        [
            ("Hepatology", ["cirrhosis", "hepatitis", "liver"]),
            ("Inflammatory bowel disease", ["Crohn", "Crohn's", "ulcerative colitis", "IBD"]),
        ],
    ),
    ("Endocrinology", ["diabetes", "thyroid", "adrenal", "pituitary", "osteoporosis"], []),
    ("Nephrology", ["kidney disease", "renal failure", "dialysis", "glomerulonephritis"], []),
    ("Respiratory medicine", ["asthma", "COPD", "pulmonary fibrosis", "sarcoidosis"], []),
    ("Urology", ["prostate", "bladder", "kidney stone", "urinary", "incontinence"], []),
    (
        "Obstetrics and gynaecology",
        ["pregnancy", "endometriosis", "ovarian", "uterine", "cervical", "fibroids"],
        [],
    ),
    ("Dermatology", ["psoriasis", "eczema", "dermatitis", "skin"], []),
    ("Ophthalmology", ["glaucoma", "cataract", "retina", "macular"], []),
    ("Otolaryngology", ["hearing loss", "sinus", "tonsil", "larynx"], []),
    ("Paediatrics", ["paediatric", "pediatric", "infant"], []),
    ("Psychiatry", ["depression", "bipolar", "schizophrenia", "anxiety"], []),
    ("Infectious diseases", ["HIV", "tuberculosis", "sepsis"], []),
    ("Radiology", ["MRI", "CT scan", "mammogram", "ultrasound", "X-ray"], []),
    ("Pathology", ["histopathology", "histology", "cytology"], []),
]


def seed(apps, schema_editor):
    Specialty = apps.get_model("specialists", "Specialty")
    for name, keywords, subspecialties in SPECIALTIES:
        parent, _ = Specialty.objects.get_or_create(
            name=name, defaults={"keywords": "\n".join(keywords)}
        )
        for sub_name, sub_keywords in subspecialties:
            Specialty.objects.get_or_create(
                name=sub_name, defaults={"parent": parent, "keywords": "\n".join(sub_keywords)}
            )


def carry_over(apps, schema_editor):
    Specialist = apps.get_model("specialists", "Specialist")
    Specialty = apps.get_model("specialists", "Specialty")
    BoardCertification = apps.get_model("specialists", "BoardCertification")
    for specialist in Specialist.objects.all():
        if specialist.specialty.strip():
            specialty = Specialty.objects.filter(name__iexact=specialist.specialty.strip()).first()
            if specialty is None:
                specialty = Specialty.objects.create(name=specialist.specialty.strip())
            specialist.specialties.add(specialty)
        credentials = specialist.credentials.strip()
        if credentials:
            name = credentials.removeprefix("Board certified in ").strip()
            BoardCertification.objects.create(specialist=specialist, name=name[:200])


class Migration(migrations.Migration):
    dependencies = [("specialists", "0002_profiles_credentials_conflicts")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]
