"""Pages in the visitor's language: one Jinja2 environment per language, made at startup.

The language comes from ``?lang=`` and nothing else (no cookie, no Accept-Language): the
default, bokmål, has no parameter, every other language keeps ``?lang=<code>`` on every
internal link. See docs/decisions/0006-languages-gettext.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from lykt.i18n import Language, Languages
from lykt.web.strings import visitor_strings

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"

#: The visitor's pages, in the order the footer lists them: (path, the link's words).
#: The words are marked for translation in the templates (``footer_label``).
PAGE_PATHS = ("/", "/hvem-svarer", "/personvern", "/avvergingsplikt")


@dataclass(frozen=True)
class LanguageLink:
    language: Language
    href: str


class Renderer:
    """Renders a template in a request's language."""

    def __init__(
        self,
        languages: Languages,
        directory: Path = TEMPLATES_DIR,
        site: dict[str, Any] | None = None,
    ) -> None:
        """``site``: values every page may use (the quick exit's address, say)."""
        self.languages = languages
        self._templates: dict[str, Jinja2Templates] = {}
        loader = jinja2.FileSystemLoader(directory)
        for language in languages:
            env = jinja2.Environment(
                loader=loader,
                autoescape=True,
                extensions=["jinja2.ext.i18n"],
                auto_reload=False,
            )
            env.policies["ext.i18n.trimmed"] = True
            env.install_gettext_translations(  # type: ignore[attr-defined]
                language.translations, newstyle=True
            )
            env.globals["language"] = language
            env.globals["js_strings"] = visitor_strings(language)
            env.globals.update(site or {})
            self._templates[language.code] = Jinja2Templates(env=env)

    def language(self, request: Request) -> Language:
        return self.languages.pick(request.query_params.get("lang"))

    def href(self, path: str, language: Language) -> str:
        """An internal link that keeps the language."""
        if language.code == self.languages.default:
            return path
        return f"{path}?{urlencode({'lang': language.code})}"

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        language: Language | None = None,
    ) -> Response:
        language = language or self.language(request)
        path = request.url.path
        href: Callable[[str], str] = lambda target: self.href(target, language)  # noqa: E731
        full = {
            "lang": language.html_lang,
            "href": href,
            "current_path": path,
            "other_languages": [
                LanguageLink(other, self.href(path, other))
                for other in self.languages
                if other.code != language.code
            ],
            **(context or {}),
        }
        return self._templates[language.code].TemplateResponse(request, name, full)
