"""Where a patient may live (the intake asks; licences are matched against it): the US states
and territories, then other countries by name."""

_US_STATES = """
AL Alabama
AK Alaska
AZ Arizona
AR Arkansas
CA California
CO Colorado
CT Connecticut
DE Delaware
DC District of Columbia
FL Florida
GA Georgia
HI Hawaii
ID Idaho
IL Illinois
IN Indiana
IA Iowa
KS Kansas
KY Kentucky
LA Louisiana
ME Maine
MD Maryland
MA Massachusetts
MI Michigan
MN Minnesota
MS Mississippi
MO Missouri
MT Montana
NE Nebraska
NV Nevada
NH New Hampshire
NJ New Jersey
NM New Mexico
NY New York
NC North Carolina
ND North Dakota
OH Ohio
OK Oklahoma
OR Oregon
PA Pennsylvania
RI Rhode Island
SC South Carolina
SD South Dakota
TN Tennessee
TX Texas
UT Utah
VT Vermont
VA Virginia
WA Washington
WV West Virginia
WI Wisconsin
WY Wyoming
"""


# Where the patient lives (ISO 3166-2 codes), used to match specialists licensed there.
REGIONS = [
    (
        "United Kingdom",
        [
            ("GB-ENG", "England"),
            ("GB-NIR", "Northern Ireland"),
            ("GB-SCT", "Scotland"),
            ("GB-WLS", "Wales"),
        ],
    ),
    (
        "United States",
        [(f"US-{line[:2]}", line[3:]) for line in _US_STATES.strip().splitlines()],
    ),
    ("Elsewhere", [("OTHER", "Somewhere else")]),
]
