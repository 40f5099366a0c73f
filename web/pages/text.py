"""Free text as sanitised Markdown: `{{ item.notes | markdown }}`.

Markdown (python-markdown) is rendered to HTML, then nh3 keeps only harmless tags and
attributes, so a member's notes can have emphasis, lists and links but never script,
styles or images that call home. A cut text (the journal's 200-character summaries)
is shown with `{{ entry.summary | excerpt }}`: the same rendering with every tag
dropped, and the markers a cut left unpaired removed, so no raw Markdown shows.
"""

from __future__ import annotations

import html
import re

import markdown as md
import nh3
from flask import Flask
from markupsafe import Markup

TAGS = {
    "p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str | None) -> Markup:
    """`source` as sanitised HTML (empty for None)."""
    if not source:
        return Markup("")
    html = md.markdown(source, extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(cleaned)  # safe: sanitised by nh3 just above


# What a cut leaves of Markdown syntax once the paired parts are rendered: emphasis
# and code markers, a link's "[text](" or "](url", heading and quote markers.
_LEFTOVERS = re.compile(r"\]\([^)\s]*\)?|\[|\]|(?<!\w)[*_`~]+|[*_`~]+(?!\w)|^[#>]+\s*")


def plain_excerpt(source: str | None) -> str:
    """`source` (Markdown, possibly cut) as one line of plain text, no markup."""
    if not source:
        return ""
    rendered = md.markdown(source, extensions=["sane_lists"], output_format="html")
    text = html.unescape(nh3.clean(rendered, tags=set()))
    text = _LEFTOVERS.sub("", " ".join(text.split()))
    return " ".join(text.split())


def init_app(app: Flask) -> None:
    """Register the `markdown` and `excerpt` template filters."""
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(plain_excerpt, "excerpt")
