"""Languages: gettext catalogs, compiled in memory when the service starts.

A leaf module (Babel only). Every ``src/lykt/locale/<lang>/LC_MESSAGES/messages.po`` is a
language; adding one is a translator's job only: drop in a catalog and restart. The catalogs
are compiled into ``babel.support.Translations`` in memory (``read_po`` then ``write_mo`` into
a buffer), so no binary ``.mo`` file is ever committed or goes stale.

Message ids are English. A language whose catalog leaves a message untranslated shows the
English text (so the ``en`` catalog may stay empty); ``tests/test_i18n.py`` makes sure the
default language, bokmål, has every message translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

__all__ = ["DEFAULT_LANGUAGE", "LOCALE_DIR", "Language", "Languages", "compile_catalog"]

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "nb"
_CODE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")


def compile_catalog(po_path: Path) -> Translations:
    """Read one ``messages.po`` and compile it in memory. Fuzzy entries are left out."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=po_path.parent.parent.name)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


@dataclass(frozen=True)
class Language:
    """One language the visitor's pages can be read in."""

    code: str  # "nb", "en", "nn": the ?lang= value, the <html lang> and Babel's locale
    translations: Translations

    @property
    def name(self) -> str:
        """The language's own name for itself ("norsk bokmål", "English"), capitalised."""
        name = Locale.parse(self.code).display_name or self.code
        return name[:1].upper() + name[1:]

    @property
    def html_lang(self) -> str:
        return self.code.replace("_", "-")

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


class Languages:
    """All the languages found in a locale directory, the default one first."""

    def __init__(self, languages: dict[str, Language], default: str = DEFAULT_LANGUAGE) -> None:
        if default not in languages:
            raise ValueError(f"no catalog for the default language {default!r}")
        self.default = default
        self._by_code = dict(
            sorted(languages.items(), key=lambda item: (item[0] != default, item[0]))
        )

    @classmethod
    def load(cls, locale_dir: Path = LOCALE_DIR, default: str = DEFAULT_LANGUAGE) -> Languages:
        found: dict[str, Language] = {}
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/messages.po")):
            code = po_path.parent.parent.name
            if _CODE.fullmatch(code):
                found[code] = Language(code, compile_catalog(po_path))
        return cls(found, default)

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)

    def __iter__(self) -> Iterator[Language]:
        return iter(self._by_code.values())

    def get(self, code: str) -> Language:
        return self._by_code[code]

    def pick(self, requested: str | None) -> Language:
        """The language asked for with ``?lang=``, or the default for anything else."""
        if requested and requested in self._by_code:
            return self._by_code[requested]
        return self._by_code[self.default]
