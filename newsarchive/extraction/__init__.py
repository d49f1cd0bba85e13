"""Article text and metadata out of fetched pages: trafilatura under outlet profiles.

The CLI and the flows use exactly this surface; everything else in the
package is how it is done.
"""

from newsarchive.extraction.decoding import decode_html
from newsarchive.extraction.pipeline import extract
from newsarchive.extraction.preload import load_shared_data
from newsarchive.extraction.profile import Profile
from newsarchive.extraction.profiles import PROFILES, get_profile
from newsarchive.extraction.serialize import extraction_to_json

__all__ = [
    "PROFILES",
    "Profile",
    "decode_html",
    "extract",
    "extraction_to_json",
    "get_profile",
    "load_shared_data",
]
