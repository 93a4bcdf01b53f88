"""The chat's stylesheet and its one piece of JavaScript (citation clicks)."""

from __future__ import annotations

CSS = """
.gradio-container { max-width: 1500px !important; }
#nr-header { align-items: baseline; gap: 12px; }
#nr-header h1 { margin: 0; font-size: 1.4em; }
.nr-h2 { margin: 0 0 4px; font-size: 1.05em; font-weight: 600; }
.nr-status { font-size: .9em; color: var(--body-text-color-subdued); }
.nr-status .nr-llm { font-weight: 600; color: var(--body-text-color); }
.nr-status .nr-down { color: var(--error-text-color, #b91c1c); font-weight: 600; cursor: help; }
#nr-sources .nr-panel { max-height: calc(100vh - 150px); overflow-y: auto; padding-right: 4px; }
.nr-turn + details, .nr-earlier .nr-turn { margin-top: 12px; }
.nr-q { font-size: .85em; font-weight: 600; color: var(--body-text-color-subdued);
        text-transform: uppercase; letter-spacing: .03em; margin: 4px 0; }
.nr-src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
          margin: 8px 0; background: var(--background-fill-primary);
          transition: box-shadow .3s, border-color .3s; scroll-margin: 12px; }
.nr-src.nr-active { border-color: var(--color-accent);
                    box-shadow: 0 0 0 3px var(--color-accent-soft, rgba(249, 115, 22, .25)); }
.nr-src-head { line-height: 1.35; }
.nr-num { font-weight: 700; color: var(--color-accent); margin-right: 2px; }
.nr-title { font-weight: 600; }
a.nr-title { text-decoration: underline; text-underline-offset: 2px; }
.nr-meta { font-size: .82em; color: var(--body-text-color-subdued); margin: 2px 0 6px; }
.nr-flag { margin-left: 8px; color: var(--error-text-color, #b91c1c); }
.nr-passage { font-size: .9em; line-height: 1.5; white-space: pre-wrap; }
.nr-passage mark { background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 3px; }
.nr-src.nr-active mark { background: #fbbf24; }
.nr-uncited, .nr-earlier { margin-top: 10px; }
.nr-uncited > summary, .nr-earlier > summary { cursor: pointer; font-size: .88em;
                                               color: var(--body-text-color-subdued); }
.nr-uncited .nr-src { opacity: .85; }
.nr-empty { color: var(--body-text-color-subdued); font-size: .9em; padding: 8px 2px; }
a.nr-cite { text-decoration: none; font-weight: 700; font-size: .8em; vertical-align: super;
            padding: 0 1px; cursor: pointer; }
a.nr-cite:hover { text-decoration: underline; }
.nr-answer { white-space: pre-line; }  /* a deal answer lists one deal a line */
.nr-refusal { font-style: italic; }
.nr-muted { color: var(--body-text-color-subdued); font-size: .88em; }
.nr-error { color: var(--error-text-color, #b91c1c); }
.nr-deal dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
.nr-deal dt { font-weight: 600; }
.nr-deal dd { margin: 0; }
.nr-conflict { border-left: 3px solid var(--error-text-color, #b91c1c); padding: 4px 10px;
               margin: 8px 0; }
.nr-mention { border: 1px solid var(--border-color-primary); border-radius: 8px;
              padding: 8px 12px; margin: 8px 0; }
.nr-quote { font-size: .9em; line-height: 1.5; white-space: pre-wrap; }
.nr-quote mark { background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 3px; }
.nr-note { color: var(--body-text-color-subdued); font-size: .88em; margin-top: 2px; }
.nr-searched { font-size: .8em; color: var(--body-text-color-subdued); margin: -2px 0 6px; }
.nr-error { color: var(--error-text-color, #b91c1c); }
.nr-info { color: var(--body-text-color-subdued); }
.nr-warning { font-size: .85em; color: var(--body-text-color-subdued); margin-top: 6px; }
.nr-warning ul { margin: 2px 0 0 18px; }
.nr-cursor { animation: nr-blink 1s steps(2) infinite; }
@keyframes nr-blink { to { visibility: hidden; } }
.nr-ingest { font-size: .9em; padding: 6px 2px; }
.nr-ingest.nr-problem { color: var(--error-text-color, #b91c1c); }
"""

# Runs once when the page loads. A click on a citation [n] (a link to #src-T-N) opens the
# source's collapsed sections, scrolls the sources panel to it and highlights it; listening in
# the capture phase keeps the chat's own link handling (new tab) out of it.
JS = """
() => {
  if (window.__newsragCitations) return;
  window.__newsragCitations = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a[href*="#src-"]') : null;
    if (!link) return;
    const id = (link.getAttribute('href') || '').split('#').pop();
    if (!/^src-[0-9]+-[0-9]+$/.test(id)) return;
    event.preventDefault();
    event.stopPropagation();
    const target = document.getElementById(id);
    if (!target) return;
    for (let el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === 'DETAILS') el.open = true;
    }
    for (const el of document.querySelectorAll('.nr-src.nr-active')) {
      el.classList.remove('nr-active');
    }
    target.classList.add('nr-active');
    target.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }, true);
}
"""
