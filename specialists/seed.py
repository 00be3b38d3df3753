"""The controlled list of specialties the first migration seeds; the admin keeps the list after."""

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


def seed_specialties(specialty_model) -> None:
    """Add the list's specialties that are missing (running twice is fine)."""
    Specialty = specialty_model
    for name, keywords, subspecialties in SPECIALTIES:
        parent, _ = Specialty.objects.get_or_create(
            name=name, defaults={"keywords": "\n".join(keywords)}
        )
        for sub_name, sub_keywords in subspecialties:
            Specialty.objects.get_or_create(
                name=sub_name, defaults={"parent": parent, "keywords": "\n".join(sub_keywords)}
            )
