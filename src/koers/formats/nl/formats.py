# Dutch: the same day-first dates as Koers's English, with Dutch number separators.
from koers.formats.en.formats import *  # noqa: F403 - a format module is a list of settings

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
