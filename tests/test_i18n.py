"""Nothing untranslated ships: every message in the code and templates is in the bokmål
catalog, translated; the catalogs compile; a new language is found by its catalog alone."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from lykt.i18n import DEFAULT_LANGUAGE, LOCALE_DIR, Languages

ROOT = Path(__file__).resolve().parent.parent


def extracted() -> set[str | tuple[str, ...]]:
    """The message ids `pybabel extract -F babel.cfg` would find."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalog(code: str) -> Catalog:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def test_the_extraction_finds_the_messages() -> None:
    messages = extracted()
    assert "Chat with us" in messages  # a template
    assert "We open again {when}." in messages  # web/strings.py
    assert "today at {time}" in messages  # schedule.py
    assert len(messages) > 100


def test_every_message_is_translated_into_bokmal() -> None:
    nb = catalog(DEFAULT_LANGUAGE)
    missing, untranslated = [], []
    for message_id in sorted(extracted(), key=str):
        key = message_id if isinstance(message_id, str) else message_id[0]
        entry = nb.get(key)
        if entry is None:
            missing.append(message_id)
        elif entry.fuzzy or not all(
            entry.string if isinstance(entry.string, tuple) else (entry.string,)
        ):
            untranslated.append(message_id)
    assert missing == [], "add these to the catalogs (pybabel extract + update)"
    assert untranslated == [], "translate these in locale/nb/LC_MESSAGES/messages.po"


def test_the_template_holds_every_message() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        pot = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle) if m.id}
    assert extracted() <= pot, "run pybabel extract (see babel.cfg)"


def test_the_catalogs_compile_and_fall_back_to_english() -> None:
    languages = Languages.load()
    assert languages.codes[0] == "nb"
    assert set(languages.codes) >= {"nb", "en"}
    assert languages.get("nb").gettext("Chat with us") == "Chat med oss"
    assert languages.get("en").gettext("Chat with us") == "Chat with us"
    assert languages.pick(None).code == "nb"
    assert languages.pick("../etc").code == "nb"
    assert languages.get("nb").name == "Norsk bokmål"
    assert not list(LOCALE_DIR.rglob("*.mo")), "no compiled catalogs in the source tree"


def test_a_new_language_needs_only_a_catalog(tmp_path: Path) -> None:
    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    nn = tmp_path / "locale" / "nn" / "LC_MESSAGES"
    nn.mkdir(parents=True)
    (nn / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: nn\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Chat with us"\nmsgstr "Chat med oss"\n\n'
        'msgid "today at {time}"\nmsgstr "i dag kl. {time}"\n',
        encoding="utf-8",
    )
    languages = Languages.load(tmp_path / "locale")
    assert "nn" in languages.codes
    assert languages.get("nn").gettext("today at {time}") == "i dag kl. {time}"
    assert languages.get("nn").name == "Norsk nynorsk"
