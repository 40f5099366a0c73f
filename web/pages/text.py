"""Free text as sanitised Markdown: `{{ item.notes | markdown }}`.

Markdown (python-markdown) is rendered to HTML, then nh3 keeps only harmless tags and
attributes, so a member's notes can have emphasis, lists and links but never script,
styles or images that call home.
"""

from __future__ import annotations

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


def init_app(app: Flask) -> None:
    """Register the `markdown` template filter."""
    app.add_template_filter(render_markdown, "markdown")
