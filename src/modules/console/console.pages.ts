/**
 * The console's pages: a shell with its own navigation (the site's stylesheet and script, the same
 * CSP), the dashboard with a bar chart per figure (SVG drawn here: no chart library, no script),
 * the review queue and one article under review. Pure functions of what the routes load.
 */
import { html, trustedHtml, type Html } from '../../platform/web/html.js';
import type { DailyCount, DashboardFigures } from './console.read-model.js';
import { DAY_MS } from './console.read-model.js';
import type { ConsoleText } from './console.text.js';

export interface ConsoleShell {
  lang: string;
  stylesheet: string;
  icon: string;
  script: string;
  csrf: string;
  staffName: string;
  current: 'dashboard' | 'review';
}

export function consoleLayout(T: ConsoleText, shell: ConsoleShell, title: string, body: Html): Html {
  const link = (key: ConsoleShell['current'], href: string, label: string) =>
    html`<li><a href="${href}" ${shell.current === key ? html`aria-current="page"` : ''}>${label}</a></li>`;
  return html`<!doctype html>
    <html lang="${shell.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title} - ${T.title}</title>
        <link rel="stylesheet" href="${shell.stylesheet}" />
        <link rel="icon" href="${shell.icon}" type="image/svg+xml" />
        <meta name="csrf-token" content="${shell.csrf}" />
        <script src="${shell.script}" defer></script>
      </head>
      <body class="console">
        <header class="site-header">
          <div class="bar">
            <a class="brand" href="/admin/">${T.title}</a>
            <span class="account">${shell.staffName} · <a href="/">${T.backToSite}</a></span>
          </div>
          <nav aria-label="${T.nav}">
            <ul class="tabs">
              ${link('dashboard', '/admin/', T.dashboard)} ${link('review', '/admin/review', T.review)}
            </ul>
          </nav>
        </header>
        <main id="main">${body}</main>
      </body>
    </html>`;
}

/** A bar per day, tallest = full height; the figures are in the title and a visually hidden table. */
function chart(label: string, days: readonly number[], series: readonly DailyCount[], format: (n: number) => string) {
  const byDay = new Map(series.map((d) => [d.day, d.n]));
  const values = days.map((day) => byDay.get(day) ?? 0);
  const max = Math.max(1, ...values);
  const width = 600;
  const height = 120;
  const step = width / values.length;
  const id = `chart-${label.length}-${values.length}-${max}`.replace(/[^a-z0-9-]/gi, '');
  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height + 16}" role="img" aria-labelledby="${id}">
      <title id="${id}">${label}: ${values.map(format).join(', ')}</title>
      ${values.map((value, i) => {
        const h = Math.round((value / max) * height);
        return html`<rect
          class="bar"
          x="${(i * step + 1).toFixed(1)}"
          y="${height - h}"
          width="${(step - 2).toFixed(1)}"
          height="${h}"
        />`;
      })}
      <line class="axis" x1="0" y1="${height}" x2="${width}" y2="${height}" />
    </svg>
    <figcaption>${label} · max ${format(max)}</figcaption>
  </figure>`;
}

export function dashboardBody(
  T: ConsoleText,
  figures: DashboardFigures,
  today: number,
  date: (ms: number) => string,
): Html {
  const days = Array.from({ length: 30 }, (_, i) => today - (29 - i) * DAY_MS);
  const sum = (series: readonly DailyCount[]) => series.reduce((total, d) => total + d.n, 0);
  const on = (series: readonly DailyCount[]) => series.find((d) => d.day === today)?.n ?? 0;
  const count = (n: number) => String(n);
  const rows: [string, readonly DailyCount[], (n: number) => string][] = [
    [T.signUps, figures.signUps, count],
    [T.articles, figures.articles, count],
    [T.comments, figures.comments, count],
    [T.reports, figures.reports, count],
    [T.orders, figures.paidOrders, count],
    [T.revenue, figures.revenueCents, T.yuan],
  ];
  return html`<h1>${T.dashboard}</h1>
    <p class="meta">${date(days[0]!)} – ${date(today)}</p>
    <div class="tiles">
      <a class="tile" href="/admin/review"><strong>${figures.pendingReview}</strong><span>${T.pendingReview}</span></a>
      <div class="tile"><strong>${figures.openReports}</strong><span>${T.openReports}</span></div>
    </div>
    <table class="figures">
      <thead>
        <tr>
          <th scope="col"></th>
          <th scope="col">${T.today}</th>
          <th scope="col">${T.last30}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          ([label, series, format]) =>
            html`<tr>
              <th scope="row">${label}</th>
              <td>${format(on(series))}</td>
              <td>${format(sum(series))}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <div class="charts">${rows.map(([label, series, format]) => chart(T.chartOf(label), days, series, format))}</div>`;
}

export interface QueueRow {
  id: bigint;
  title: string;
  author: string;
  status: number;
  flags: readonly string[];
  submitted: string;
}

export function queueBody(
  T: ConsoleText,
  status: number,
  rows: readonly QueueRow[],
  next: string | null,
  notice: string | null,
): Html {
  return html`<h1>${T.review}</h1>
    ${notice ? html`<p class="info" role="status">${notice}</p>` : ''}
    <ul class="tabs">
      ${[1, 3, 2, 5].map(
        (s) =>
          html`<li>
            <a href="/admin/review?status=${s}" ${s === status ? html`aria-current="page"` : ''}>${T.statuses[s]}</a>
          </li>`,
      )}
    </ul>
    ${
      rows.length === 0
        ? html`<p>${T.queueEmpty}</p>`
        : html`<table class="queue">
            <thead>
              <tr>
                <th scope="col">${T.review}</th>
                <th scope="col">${T.author}</th>
                <th scope="col">${T.flags}</th>
                <th scope="col">${T.submitted}</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (row) =>
                  html`<tr>
                    <td><a href="/admin/review/${row.id}">${row.title}</a></td>
                    <td>${row.author}</td>
                    <td>${row.flags.length > 0 ? html`<mark>${row.flags.join('、')}</mark>` : T.noFlags}</td>
                    <td><time>${row.submitted}</time></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${next ? html`<a class="more" rel="next" href="${next}">${T.more}</a>` : ''}`;
}

/** The article's text with each sensitive word marked (matches are escaped like everything else). */
function marked(text: string, flags: readonly string[]): Html {
  if (flags.length === 0) return html`${text}`;
  const pattern = new RegExp(`(${flags.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'g');
  return html`${text.split(pattern).map((part, i) => (i % 2 === 1 ? html`<mark>${part}</mark>` : part))}`;
}

export interface ReviewView {
  id: bigint;
  title: string;
  author: string;
  status: number;
  priceCents: number;
  flags: readonly string[];
  /** The sanitized HTML, as readers will see it. */
  content: string;
  /** Its plain text, for the marked sensitive words. */
  text: string;
  version: number;
  history: readonly { who: string; decision: string; reason: string | null; at: string }[];
  csrf: string;
}

export function reviewBody(T: ConsoleText, view: ReviewView): Html {
  return html`<p><a href="/admin/review?status=${view.status}">← ${T.review}</a></p>
    <h1>${view.title}</h1>
    <p class="meta">
      <span>${T.author}：${view.author}</span><span>${T.statuses[view.status] ?? view.status}</span
      ><span>${T.price(view.priceCents)}</span>
    </p>
    ${
      view.flags.length > 0
        ? html`<section aria-labelledby="flags-h" class="paywall">
            <h2 id="flags-h">${T.flags}</h2>
            <p>${marked(view.text, view.flags)}</p>
          </section>`
        : ''
    }
    <article class="story"><div class="content">${trustedHtml(view.content)}</div></article>
    <form method="post" action="/admin/review/${view.id}/decision" class="stack decision">
      <input type="hidden" name="_csrf" value="${view.csrf}" /><input
        type="hidden"
        name="version"
        value="${view.version}"
      />
      <label for="reason">${T.reason}</label>
      <textarea id="reason" name="reason" rows="2" maxlength="200"></textarea>
      <div class="row">
        <button type="submit" name="decision" value="approve" class="primary">${T.approve}</button>
        <button type="submit" name="decision" value="reject">${T.reject}</button>
        <button type="submit" name="decision" value="ban">${T.ban}</button>
      </div>
    </form>
    ${
      view.history.length > 0
        ? html`<section aria-labelledby="history-h">
            <h2 id="history-h">${T.history}</h2>
            <ol>
              ${view.history.map(
                (d) =>
                  html`<li>
                    <time>${d.at}</time> ${T.decided(d.who, T.decisionNames[d.decision] ?? d.decision)}${
                      d.reason ? html` — ${d.reason}` : ''
                    }
                  </li>`,
              )}
            </ol>
          </section>`
        : ''
    }`;
}
