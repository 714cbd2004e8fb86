"""The email's HTML part, kept under a size budget.

Gmail clips an HTML part larger than about 102 KB behind a "View entire
message" link (and drops what follows). brief.html on disk is the whole brief;
the email gets a *reduced* brief rendered with the same template, so no
template change is needed:

* the first ``k`` stories in full, ``k`` as large as the budget allows (binary
  search over ``k``: the rendered size grows with it), and never fewer than
  one: the top story is always there in full;
* every other story as a one-liner, its headline linked to its first article
  (under "Also noted" when the template shows that section, else in one extra
  section, "More stories");
* the source list shrinks with the stories: it lists the sources the top lines
  and the stories in full cite (every citation marker links to its article
  anyway), and a note at the top says the full brief, with every source, is in
  the attached PDF (or the plain-text part).

When even the top story with every one-liner does not fit, the one-liners are
cut too (as many as fit, the rest counted in the note). If the top story alone
is over the budget, it is returned anyway with ``BudgetedHtml.fits`` false: a
clipped email beats one without its main story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import jinja2

from briefing.brief import AlsoNoted, Brief, BriefBullet, BriefStory, SourceRef
from briefing.render.context import ReaderLinks
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
    #: Whether ``html`` is within the budget (as sent: UTF-8, CRLF line ends).
    fits: bool
    #: Sources listed in the HTML (the text part and the PDF list them all).
    sources_listed: int = 0

    @property
    def size(self) -> int:
        return html_size(self.html)


def reduced_brief(
    brief: Brief,
    full: int,
    *,
    pdf_attached: bool = True,
    use_also_noted: bool = False,
    one_liners: int | None = None,
) -> Brief:
    """``brief`` with its first ``full`` stories (at least one) kept and the rest as
    one-liners, ``one_liners`` of them at most (default: all); only the sources the
    top lines and the kept stories cite are listed."""
    full = max(full, 1)
    if full >= len(brief.stories) and one_liners is None:
        return brief
    kept, rest = brief.stories[:full], brief.stories[full:]
    cited = _cited_by(brief, kept)
    sources = tuple(source for source in brief.sources if source.number in cited)
    if use_also_noted:
        reduced = _with_also_noted(brief, kept, rest, one_liners)
    else:
        reduced = _with_more_section(brief, kept, rest, one_liners, pdf_attached)
    shown = len(reduced.also_noted) if use_also_noted else _more_count(reduced)
    listed = len(rest) + (len(brief.also_noted) if use_also_noted else 0)
    where = "the attached PDF" if pdf_attached else "the plain-text part of this email"
    note = f"This email shows {len(kept)} of {len(brief.stories)} stories in full"
    if shown:
        note += f", the headlines of {shown} more"
    if shown < listed:
        note += f", and leaves out {listed - shown} more"
    note += f": the full brief, with every source, is in {where}."
    # The coverage line still counts every article: the brief is whole, its email is not.
    return replace(reduced, notes=(*brief.notes, note), sources=sources,
                   coverage_line=brief.coverage)


def _with_also_noted(
    brief: Brief, kept: tuple[BriefStory, ...], rest: tuple[BriefStory, ...],
    limit: int | None,
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
    also = (*demoted, *brief.also_noted)
    # What this email leaves out of the list is counted in its note; the list's own
    # "and N more" line still counts the stories the brief itself does not list.
    return replace(brief, stories=kept, also_noted=also if limit is None else also[:limit])


def _with_more_section(
    brief: Brief, kept: tuple[BriefStory, ...], rest: tuple[BriefStory, ...],
    limit: int | None, pdf_attached: bool,
) -> Brief:
    """For a template without "Also noted": one extra story listing the others' headlines."""
    shown = rest if limit is None else rest[:limit]
    if not shown:
        return replace(brief, stories=kept)
    lines = tuple(BriefBullet(text=story.headline, sources=()) for story in shown)
    more = BriefStory(
        id=MORE_STORY_ID,
        headline=MORE_HEADLINE if pdf_attached else MORE_HEADLINE_NO_PDF,
        bullets=lines,
        outlets=(),
        sources=(),
    )
    return replace(brief, stories=(*kept, more))


def _more_count(brief: Brief) -> int:
    more = [story for story in brief.stories if story.id == MORE_STORY_ID]
    return len(more[0].bullets) if more else 0


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
    links: ReaderLinks | None = None,
) -> BudgetedHtml:
    """The email HTML for ``brief``, with as many full stories as fit in ``budget`` bytes."""
    total = len(brief.stories)
    also = template_renders_also_noted(env)
    whole = render_email_html(brief, env, links)
    if html_size(whole) <= budget or total == 0:
        return BudgetedHtml(whole, total, 0, html_size(whole) <= budget, len(brief.sources))

    def render(full: int, one_liners: int | None = None) -> tuple[str, Brief]:
        reduced = reduced_brief(brief, full, pdf_attached=pdf_attached, use_also_noted=also,
                                one_liners=one_liners)
        return render_email_html(reduced, env, links), reduced

    best = _largest_fitting(lambda k: render(k), 1, total - 1, budget)
    if best is not None:
        full, (html, reduced) = best
        return BudgetedHtml(html, full, total - full, True, len(reduced.sources))
    # The top story with every one-liner is still too big: list fewer one-liners.
    most = (total - 1) + (len(brief.also_noted) if also else 0)
    cut = _largest_fitting(lambda m: render(1, m), 0, most, budget)
    if cut is not None:
        shown, (html, reduced) = cut
        return BudgetedHtml(html, 1, min(shown, total - 1), True, len(reduced.sources))
    html, reduced = render(1, 0)
    return BudgetedHtml(html, 1, 0, False, len(reduced.sources))


Rendering = tuple[str, Brief]


def _largest_fitting(
    render: Callable[[int], Rendering], least: int, most: int, budget: int
) -> tuple[int, Rendering] | None:
    """The largest ``k`` in least..most whose rendering fits (size grows with ``k``)."""
    low, high = least, most
    best: tuple[int, Rendering] | None = None
    while low <= high:
        middle = (low + high) // 2
        rendering = render(middle)
        if html_size(rendering[0]) <= budget:
            best = (middle, rendering)
            low = middle + 1
        else:
            high = middle - 1
    return best


def html_size(html: str) -> int:
    """Bytes as sent: UTF-8, and every line end a CRLF."""
    return len(html.encode("utf-8")) + html.count("\n") - html.count("\r\n")


def _citations(story: BriefStory) -> tuple[int, ...]:
    if story.sources:
        return story.sources
    seen: dict[int, None] = {}
    for bullet in story.bullets:
        for number in bullet.sources:
            seen.setdefault(number, None)
    return tuple(seen)
