"""Rich text typed by people (concept notes, later briefs and comments), reduced to a small safe HTML subset.

Sanitise when the text is saved, then trust the stored value (ARCHITECTURE: "rich text sanitised on save").
Everything not listed below goes: scripts and styles with their content, `style` and `on*` attributes,
`javascript:`/`data:` addresses, iframes, forms. Links get rel="noopener noreferrer nofollow".
"""

import nh3

ALLOWED_TAGS = frozenset(
    {
        "h2", "h3", "h4", "p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "blockquote",
        "table", "thead", "tbody", "tr", "th", "td", "img",
    }
)  # fmt: skip
# "*": no attribute on every tag (ammonia would otherwise allow lang and title anywhere).
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}, "img": {"src", "alt"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
# Removed with everything inside them (the other unknown tags lose the tag but keep their text).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "select", "svg", "math"}
)


def _is_allowed_image_source(src: str) -> bool:
    """https, or a path on this site; not http (mixed content), not data:, not protocol-relative //host."""
    src = src.strip()
    if src.lower().startswith("https://"):
        return True
    return ":" not in src.split("/", 1)[0] and not src.startswith("//")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not _is_allowed_image_source(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    link_rel=LINK_REL,
    url_schemes=set(LINK_SCHEMES),
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    """The allowed subset of `html` (headings h2-h4, paragraphs, emphasis, lists, links, quotes, tables, images)."""
    if not html:
        return ""
    return _CLEANER.clean(html).strip()
