"""The email's HTML part, kept under a size budget.

Gmail clips an HTML part larger than about 102 KB behind a "View entire
message" link (and drops what follows, the source list included). brief.html on
disk is the whole brief; the email gets a *reduced* brief rendered with the same
template, so no template change is needed:

* the first ``k`` stories in full, ``k`` as large as the budget allows (binary
  search over ``k``: the rendered size grows with it);
* every other story as a one-liner (its headline and citations), all gathered
  in one extra section, "More stories (in full in the attached PDF)";
* a note at the top saying so, and every source still listed, so each cited
  URL remains in the HTML.

When even ``k = 0`` does not fit (a long source list: about 400 bytes per
source once the CSS is inlined, so 200 sources alone take 80 KB), the search is
repeated in a compact form: the one-liners lose their citations and the source
list keeps only the sources cited by what is shown in full (the text part and
the PDF list them all). If that still does not fit, the smallest version is
returned with ``BudgetedHtml.fits`` false.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import jinja2

from briefing.brief import AlsoNoted, Brief, BriefBullet, BriefStory, SourceRef
from briefing.render.email_html import EMAIL_TEMPLATE, render_email_html

#: Gmail clips at about 102 KB (102,400 bytes). Quoted-printable, the part's
#: transfer encoding, adds about 8% to this HTML, so 90,000 bytes here stay under
#: the clip both before and after encoding.
DEFAULT_BUDGET = 90_000
MORE_STORY_ID = "email-more-stories"
MORE_HEADLINE = "More stories (in full in the attached PDF)"
MORE_HEADLINE_NO_PDF = "More stories (in full in the plain-text part)"


@dataclass(frozen=True)
class BudgetedHtml:
    html: str
    #: Stories shown in full, and shown as one-liners.
    full_stories: int
    one_liners: int
    #: Whether ``html`` is within the budget (encoded as UTF-8).
    fits: bool

    @property
    def size(self) -> int:
        return len(self.html.encode("utf-8"))


def reduced_brief(
    brief: Brief,
    full: int,
    *,
    pdf_attached: bool = True,
    compact: bool = False,
    use_also_noted: bool = False,
) -> Brief:
    """``brief`` with its first ``full`` stories kept and the rest as one-liners.

    ``compact``: the one-liners cite nothing and only the sources cited by the
    top lines and the full stories are listed. ``use_also_noted``: the one-liners
    go to the front of ``brief.also_noted`` (for a template that renders it)
    instead of an extra "More stories" section.
    """
    if full >= len(brief.stories):
        return brief
    kept, rest = brief.stories[:full], brief.stories[full:]
    if use_also_noted:
        return _reduced_with_also_noted(brief, kept, rest, pdf_attached, compact)
    lines = tuple(
        BriefBullet(text=story.headline, sources=() if compact else _citations(story))
        for story in rest
    )
    where = "the attached PDF" if pdf_attached else "the plain-text part of this email"
    note = (
        f"This email shows {len(kept)} of {len(brief.stories)} stories in full and the "
        f"other {len(rest)} as one-liners: the full brief"
        f"{', with every source,' if compact else ''} is in {where}."
    )
    more = BriefStory(
        id=MORE_STORY_ID,
        headline=MORE_HEADLINE if pdf_attached else MORE_HEADLINE_NO_PDF,
        bullets=lines,
        outlets=(),
        sources=tuple(sorted({n for line in lines for n in line.sources})),
    )
    sources = brief.sources
    if compact:
        sources = tuple(s for s in brief.sources if s.number in _cited_by(brief, kept))
    return replace(
        brief, stories=(*kept, more), notes=(*brief.notes, note), sources=sources
    )


def _reduced_with_also_noted(
    brief: Brief,
    kept: tuple[BriefStory, ...],
    rest: tuple[BriefStory, ...],
    pdf_attached: bool,
    compact: bool,
) -> Brief:
    by_number = {source.number: source for source in brief.sources}
    demoted = tuple(
        AlsoNoted(
            story_id=story.id,
            headline=story.headline,
            outlets=story.outlets,
            article_count=len(_citations(story)),
            url=next((url for n in _citations(story) if (url := _url(by_number, n))), None),
        )
        for story in rest
    )
    where = "the attached PDF" if pdf_attached else "the plain-text part of this email"
    note = (
        f"This email shows {len(kept)} of {len(brief.stories)} stories in full and the "
        f"other {len(rest)} under \"Also noted\": the full brief is in {where}."
    )
    sources = brief.sources
    if compact:
        sources = tuple(s for s in brief.sources if s.number in _cited_by(brief, kept))
    return replace(
        brief,
        stories=kept,
        also_noted=(*demoted, *brief.also_noted),
        notes=(*brief.notes, note),
        sources=sources,
    )


def _url(by_number: dict[int, SourceRef], number: int) -> str | None:
    source = by_number.get(number)
    return source.url if source else None


def _cited_by(brief: Brief, kept: tuple[BriefStory, ...]) -> set[int]:
    cited = {n for line in brief.top_lines for n in line.sources}
    cited |= {n for story in kept for n in _citations(story)}
    cited |= {n for story in kept for b in story.bullets for n in b.sources}
    return cited


def template_renders_also_noted(env: jinja2.Environment, name: str = EMAIL_TEMPLATE) -> bool:
    """Whether the email template shows ``brief.also_noted`` (it did not always)."""
    if env.loader is None:
        return False
    try:
        source = env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        return False
    return "also_noted" in source


def budgeted_email_html(
    brief: Brief,
    env: jinja2.Environment,
    *,
    budget: int = DEFAULT_BUDGET,
    pdf_attached: bool = True,
) -> BudgetedHtml:
    """The email HTML for ``brief``, with as many full stories as fit in ``budget`` bytes."""
    total = len(brief.stories)
    also = template_renders_also_noted(env)
    whole = render_email_html(brief, env)
    if _size(whole) <= budget:
        return BudgetedHtml(whole, total, 0, True)
    for compact in (False, True):

        def render(full: int, compact: bool = compact) -> str:
            reduced = reduced_brief(
                brief, full, pdf_attached=pdf_attached, compact=compact, use_also_noted=also
            )
            return render_email_html(reduced, env)

        best = _largest_fitting(render, total - 1, budget)
        if best is not None:
            full, html = best
            return BudgetedHtml(html, full, total - full, True)
    smallest = render_email_html(
        reduced_brief(brief, 0, pdf_attached=pdf_attached, compact=True, use_also_noted=also),
        env,
    )
    return BudgetedHtml(smallest, 0, total, False)


def _largest_fitting(
    render: Callable[[int], str], most: int, budget: int
) -> tuple[int, str] | None:
    """The largest ``k`` in 0..most whose rendering fits (size grows with ``k``)."""
    low, high = 0, most
    best: tuple[int, str] | None = None
    while low <= high:
        middle = (low + high) // 2
        html = render(middle)
        if _size(html) <= budget:
            best = (middle, html)
            low = middle + 1
        else:
            high = middle - 1
    return best


def _size(html: str) -> int:
    return len(html.encode("utf-8"))


def _citations(story: BriefStory) -> tuple[int, ...]:
    if story.sources:
        return story.sources
    seen: dict[int, None] = {}
    for bullet in story.bullets:
        for number in bullet.sources:
            seen.setdefault(number, None)
    return tuple(seen)
