"""Spanish as our readers write it: Spanish speakers in the United States write amounts as
$1,100.00 (CLDR's es-US), not Spain's 1.100,00. Dates stay Django's Spanish ("7 de diciembre
de 2026")."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
