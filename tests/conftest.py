"""Shared constants for tests.

CIAAW 2021 standard atomic weights, g/mol (Prohaska et al. 2022, doi:10.1515/pac-2019-0603);
conventional values for the interval elements H, Li, C, N, O, S.
"""

H, LI, C, N, O, NA, S = 1.008, 6.94, 12.011, 14.007, 15.999, 22.98976928, 32.06
MN, CO, NI, AL = 54.938043, 58.933194, 58.6934, 26.9815384
CU = 63.546
FE, P = 55.845, 30.973761998
