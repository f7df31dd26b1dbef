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
  current:
    | 'dashboard'
    | 'review'
    | 'reports'
    | 'comments'
    | 'users'
    | 'payments'
    | 'channels'
    | 'announcements'
    | 'audit'
    | 'system';
  /** Admins see the payments section; moderators do not. */
  admin: boolean;
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
              ${link('reports', '/admin/reports', T.reports)} ${link('comments', '/admin/comments', T.comments)}
              ${link('users', '/admin/users', T.users)}
              ${
                shell.admin
                  ? html`${link('payments', '/admin/payments', T.payments)}
                    ${link('channels', '/admin/channels', T.channels)}
                    ${link('announcements', '/admin/announcements', T.announcements)}
                    ${link('audit', '/admin/audit', T.audit)} ${link('system', '/admin/system', T.system)}`
                  : ''
              }
            </ul>
          </nav>
        </header>
        <main id="main">${body}</main>
      </body>
    </html>`;
}

/** A bar per day, tallest = full height; the figures are in the title and a visually hidden table. */
function chart(
  label: string,
  days: readonly number[],
  series: readonly DailyCount[],
  format: (n: number) => string,
  index: number,
) {
  const byDay = new Map(series.map((d) => [d.day, d.n]));
  const values = days.map((day) => byDay.get(day) ?? 0);
  const max = Math.max(0, ...values);
  // An all-zero series draws no bars (and says max 0), rather than dividing by zero.
  const scale = Math.max(1, max);
  const width = 600;
  const height = 120;
  const step = width / values.length;
  const id = `chart-${index}`;
  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height + 16}" role="img" aria-labelledby="${id}">
      <title id="${id}">${label}: ${values.map(format).join(', ')}</title>
      ${values.map((value, i) => {
        const h = Math.round((value / scale) * height);
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
  live?: {
    words: import('./console.dashboard.js').LiveWords;
    figures: import('./console.dashboard.js').LiveFigures;
  },
): Html {
  const days = Array.from({ length: 30 }, (_, i) => today - (29 - i) * DAY_MS);
  const liveTiles = (() => {
    if (!live) return '';
    const { words: L, figures: f } = live;
    const ms = (n: number | null) => (n === null ? '—' : `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`);
    const rate = f.traffic.requests > 0 ? `${((f.traffic.serverErrors / f.traffic.requests) * 100).toFixed(1)}%` : '—';
    const job = (n: number | undefined) => (n === undefined ? L.unavailable : String(n));
    const tiles: [string, string, string][] = [
      ['requests', String(f.traffic.requests), L.requests],
      ['error-rate', rate, L.errorRate],
      ['client-errors', String(f.traffic.clientErrors), L.clientErrors],
      ['p50', ms(f.traffic.p50Ms), L.p50],
      ['p95', ms(f.traffic.p95Ms), L.p95],
      ['jobs-waiting', job(f.jobs ? f.jobs.waiting + f.jobs.delayed : undefined), L.waiting],
      ['jobs-active', job(f.jobs?.active), L.active],
      ['jobs-failed', job(f.jobs?.failed), L.failed],
    ];
    return html`<section aria-labelledby="live-h">
      <h2 id="live-h">${L.live} <small class="meta">${L.window(f.traffic.windowSeconds / 60)}</small></h2>
      <div class="tiles">
        ${tiles.map(
          ([key, value, label]) =>
            html`<div class="tile" data-live-figure="${key}"><strong>${value}</strong><span>${label}</span></div>`,
        )}
      </div>
    </section>`;
  })();
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
    ${liveTiles}
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
    <div class="charts">
      ${rows.map(([label, series, format], i) => chart(T.chartOf(label), days, series, format, i))}
    </div>`;
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
  csrf: string,
): Html {
  // The decisions that can apply from this tab (as the single decision's rules): approve from
  // pending, rejected or banned; reject from pending or approved; ban from anything but banned.
  const bulk = (['approve', 'reject', 'ban'] as const).filter(
    (d) =>
      !(
        (d === 'approve' && status === 2) ||
        (d === 'reject' && status !== 1 && status !== 2) ||
        (d === 'ban' && status === 5)
      ),
  );
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
        : html`<form method="post" action="/admin/review/bulk">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <input type="hidden" name="status" value="${status}" />
            <table class="queue">
              <thead>
                <tr>
                  <th scope="col"><span class="skip">${T.select}</span></th>
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
                      <td>
                        <input
                          type="checkbox"
                          name="targets"
                          value="${row.id}"
                          id="pick-${row.id}"
                          aria-label="${T.select} ${row.title}"
                        />
                      </td>
                      <td><a href="/admin/review/${row.id}">${row.title}</a></td>
                      <td>${row.author}</td>
                      <td>${row.flags.length > 0 ? html`<mark>${row.flags.join('、')}</mark>` : T.noFlags}</td>
                      <td><time>${row.submitted}</time></td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <fieldset class="stack decision">
              <legend>${T.bulk}</legend>
              <label for="bulk-reason">${T.reason}</label>
              <textarea id="bulk-reason" name="reason" rows="2" maxlength="200"></textarea>
              <div class="row">
                ${bulk.map(
                  (d) => html`<button type="submit" name="decision" value="${d}">${T.decisionNames[d]}</button>`,
                )}
              </div>
            </fieldset>
          </form>`
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

export interface UserRowView {
  id: bigint;
  name: string;
  mobile: string;
  role: string;
  banned: boolean;
  verified: boolean;
  joined: string;
}

function userState(T: ConsoleText, user: UserRowView): string {
  return [user.banned ? T.banned : T.active, user.verified ? T.verifiedAuthor : ''].filter(Boolean).join(' · ');
}

export function usersBody(T: ConsoleText, q: string, rows: readonly UserRowView[], next: string | null): Html {
  return html`<h1>${T.users}</h1>
    <form method="get" action="/admin/users" role="search" class="row">
      <label class="skip" for="q">${T.searchUsers}</label>
      <input id="q" name="q" value="${q}" placeholder="${T.searchUsers}" maxlength="50" />
      <button type="submit">${T.find}</button>
    </form>
    ${
      rows.length === 0
        ? html`<p>${T.noUsers}</p>`
        : html`<table class="queue">
            <thead>
              <tr>
                <th scope="col">${T.users}</th>
                <th scope="col">${T.role}</th>
                <th scope="col">${T.state}</th>
                <th scope="col">${T.joined}</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (user) =>
                  html`<tr>
                    <td><a href="/admin/users/${user.id}">${user.name}</a> <span class="meta">${user.mobile}</span></td>
                    <td>${T.roles[user.role] ?? user.role}</td>
                    <td>${userState(T, user)}</td>
                    <td><time>${user.joined}</time></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${next ? html`<a class="more" rel="next" href="${next}">${T.more}</a>` : ''}`;
}

export interface UserDetailView {
  user: UserRowView;
  sessions: readonly { client: string; userAgent: string; lastUsed: string }[];
  history: readonly { action: string; reason: string | null; at: string; by: string }[];
  /** The actions this staff member may take on this user now. */
  actions: readonly string[];
  /** Roles an admin may give this user (empty for moderators and on oneself). */
  roleChoices: readonly string[];
  /** Signed, short-lived links to the private ID-card images the author uploaded. */
  idCards: readonly { label: string; url: string }[];
  articles: readonly { id: bigint; title: string; status: number; at: string }[];
  csrf: string;
  notice: string | null;
}

export function userBody(T: ConsoleText, view: UserDetailView): Html {
  const { user } = view;
  return html`<p><a href="/admin/users">← ${T.users}</a></p>
    ${view.notice ? html`<p class="info" role="status">${view.notice}</p>` : ''}
    <h1>${user.name}</h1>
    <p class="meta">
      <span>ID ${user.id}</span><span>${user.mobile}</span><span>${T.roles[user.role] ?? user.role}</span
      ><span id="user-state">${userState(T, user)}</span><span>${T.joined} ${user.joined}</span>
    </p>
    <p><a href="/users/${user.id}">/users/${user.id}</a></p>
    ${
      view.actions.length > 0
        ? html`<form method="post" action="/admin/users/${user.id}/actions" class="stack decision">
            <input type="hidden" name="_csrf" value="${view.csrf}" />
            <label for="reason">${T.actionReason}</label>
            <textarea id="reason" name="reason" rows="2" maxlength="200"></textarea>
            <div class="row">
              ${view.actions.map(
                (action) =>
                  html`<button type="submit" name="action" value="${action}">
                    ${T.userActions[action] ?? action}
                  </button>`,
              )}
            </div>
          </form>`
        : ''
    }
    ${
      view.roleChoices.length > 0
        ? html`<form method="post" action="/admin/users/${user.id}/role" class="row">
            <input type="hidden" name="_csrf" value="${view.csrf}" />
            <label for="role">${T.role}</label>
            <select id="role" name="role">
              ${view.roleChoices.map(
                (role) =>
                  html`<option value="${role}" ${role === user.role ? html`selected` : ''}>
                    ${T.roles[role] ?? role}
                  </option>`,
              )}
            </select>
            <button type="submit">${T.setRole}</button>
          </form>`
        : ''
    }
    ${
      view.idCards.length > 0
        ? html`<section aria-labelledby="id-cards-h">
            <h2 id="id-cards-h">${T.idCards}</h2>
            <p class="meta">${T.idCardsPrivate}</p>
            <ul class="id-cards">
              ${view.idCards.map(
                (card) =>
                  html`<li>
                    <a href="${card.url}"><img src="${card.url}" alt="${card.label}" width="240" loading="lazy" /></a>
                  </li>`,
              )}
            </ul>
          </section>`
        : ''
    }
    <section aria-labelledby="articles-h">
      <h2 id="articles-h">${T.userArticles}</h2>
      ${
        view.articles.length === 0
          ? html`<p>${T.noArticles}</p>`
          : html`<ul>
              ${view.articles.map(
                (a) =>
                  html`<li>
                    <a href="/admin/review/${a.id}">${a.title}</a>
                    <span class="meta">${T.statuses[a.status] ?? a.status} · <time>${a.at}</time></span>
                  </li>`,
              )}
            </ul>`
      }
    </section>
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">${T.sessions}</h2>
      <ul class="devices">
        ${view.sessions.map(
          (s) =>
            html`<li>
              <div>
                <strong>${s.client}</strong>
                <p class="meta"><span>${s.userAgent || '—'}</span><span>${s.lastUsed}</span></p>
              </div>
            </li>`,
        )}
      </ul>
    </section>
    ${
      view.history.length > 0
        ? html`<section aria-labelledby="history-h">
            <h2 id="history-h">${T.actionHistory}</h2>
            <ol>
              ${view.history.map(
                (h) =>
                  html`<li>
                    <time>${h.at}</time> ${T.decided(h.by, T.userActions[h.action] ?? h.action)}${
                      h.reason ? html` — ${h.reason}` : ''
                    }
                  </li>`,
              )}
            </ol>
          </section>`
        : ''
    }`;
}

export interface OrderRowView {
  id: bigint;
  kind: string;
  subject: string;
  buyerId: bigint;
  amountCents: number;
  refundedCents: number;
  at: string;
  refundable: boolean;
}

export interface LedgerView {
  ok: boolean;
  orders: number;
  entries: number;
  problems: readonly string[];
  problemCount: number;
}

export function paymentsBody(
  T: ConsoleText,
  view: {
    status: string;
    /** The filters in effect, as typed (they stay in the URL: a filtered list can be shared). */
    filters: { buyer: string; author: string; from: string; to: string };
    statuses: readonly string[];
    rows: readonly OrderRowView[];
    next: string | null;
    csrf: string;
    notice: string | null;
    ledger: LedgerView | null;
  },
): Html {
  return html`<h1>${T.payments}</h1>
    ${view.notice ? html`<p class="info" role="status">${view.notice}</p>` : ''}
    <form method="post" action="/admin/payments/ledger-check">
      <input type="hidden" name="_csrf" value="${view.csrf}" /><button type="submit">${T.ledgerCheck}</button>
    </form>
    ${
      view.ledger
        ? html`<section aria-labelledby="ledger-h" class="paywall" id="ledger">
            <h2 id="ledger-h">${T.ledgerCheck}</h2>
            <p data-ok="${view.ledger.ok ? 'true' : 'false'}">
              ${view.ledger.ok ? T.ledgerOk : T.ledgerBad(view.ledger.problemCount)}
              ${T.ledgerFigures(view.ledger.orders, view.ledger.entries)}
            </p>
            ${
              view.ledger.problems.length > 0
                ? html`<ul>
                    ${view.ledger.problems.map((p) => html`<li>${p}</li>`)}
                  </ul>`
                : ''
            }
          </section>`
        : ''
    }
    <ul class="tabs">
      ${view.statuses.map(
        (s) =>
          html`<li>
            <a href="/admin/payments?status=${s}" ${s === view.status ? html`aria-current="page"` : ''}
              >${T.orderStatuses[s] ?? s}</a
            >
          </li>`,
      )}
      <li><a href="/admin/payments/earnings">${T.earnings}</a></li>
    </ul>
    <form method="get" action="/admin/payments" class="filters">
      <input type="hidden" name="status" value="${view.status}" />
      <label
        >${T.buyer} ID <input name="buyer" value="${view.filters.buyer}" inputmode="numeric" maxlength="19"
      /></label>
      <label
        >${T.author} ID <input name="author" value="${view.filters.author}" inputmode="numeric" maxlength="19"
      /></label>
      <label>${T.from} <input type="date" name="from" value="${view.filters.from}" /></label>
      <label>${T.to} <input type="date" name="to" value="${view.filters.to}" /></label>
      <button type="submit">${T.find}</button>
    </form>
    ${
      view.rows.length === 0
        ? html`<p>${T.noOrders}</p>`
        : html`<table class="queue">
            <thead>
              <tr>
                <th scope="col">${T.orderList}</th>
                <th scope="col">${T.buyer}</th>
                <th scope="col">${T.amount}</th>
                <th scope="col">${T.refunded}</th>
                <th scope="col">${T.refund}</th>
              </tr>
            </thead>
            <tbody>
              ${view.rows.map(
                (order) =>
                  html`<tr>
                    <td>
                      ${order.subject} <span class="meta">${order.id} · <time>${order.at}</time></span>
                    </td>
                    <td><a href="/admin/users/${order.buyerId}">${order.buyerId}</a></td>
                    <td>${T.yuan(order.amountCents)}</td>
                    <td>${T.yuan(order.refundedCents)}</td>
                    <td>
                      ${
                        order.refundable
                          ? html`<form method="post" action="/admin/payments/${order.id}/refund" class="refund">
                              <input type="hidden" name="_csrf" value="${view.csrf}" />
                              <label
                                >${T.refundAmount}
                                <input name="yuan" inputmode="decimal" pattern="[0-9]+([.][0-9]{1,2})?" size="6"
                              /></label>
                              <label
                                ><input type="checkbox" name="confirm" value="1" required /> ${T.confirmRefund}</label
                              >
                              <button type="submit">${T.refund}</button>
                            </form>`
                          : ''
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${view.next ? html`<a class="more" rel="next" href="${view.next}">${T.more}</a>` : ''}`;
}

export function announcementsBody(
  T: ConsoleText,
  view: { rows: readonly { id: bigint; title: string; at: string }[]; csrf: string; notice: string | null },
): Html {
  return html`<h1>${T.announcements}</h1>
    ${view.notice ? html`<p class="info" role="status">${view.notice}</p>` : ''}
    <form method="post" action="/admin/announcements" class="stack">
      <input type="hidden" name="_csrf" value="${view.csrf}" />
      <label for="title">${T.announcementTitle}</label>
      <input id="title" name="title" maxlength="100" required />
      <label for="content">${T.announcementContent}</label>
      <textarea id="content" name="content" rows="4" maxlength="5000" required></textarea>
      <button type="submit" class="primary">${T.publish}</button>
    </form>
    ${
      view.rows.length === 0
        ? html`<p>${T.noAnnouncements}</p>`
        : html`<ul class="people">
            ${view.rows.map((a) => html`<li><time>${a.at}</time> ${a.title}</li>`)}
          </ul>`
    }`;
}

export interface SystemView {
  checks: Record<string, string>;
  settings: readonly [string, string][];
  version: string;
  uptimeSeconds: number;
}

export function systemBody(T: ConsoleText, view: SystemView): Html {
  return html`<h1>${T.system}</h1>
    <p class="meta"><span>${T.version} ${view.version}</span><span>${T.uptime(view.uptimeSeconds)}</span></p>
    <ul class="tabs">
      <li><a href="/admin/operations">${T.operations}</a></li>
      <li><a href="/admin/sensitive-words">${T.sensitiveWords}</a></li>
    </ul>
    <section aria-labelledby="health-h">
      <h2 id="health-h">${T.health}</h2>
      <table class="figures">
        <tbody>
          ${Object.entries(view.checks).map(
            ([name, state]) =>
              html`<tr>
                <th scope="row">${name}</th>
                <td data-check="${name}">${state}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section aria-labelledby="config-h">
      <h2 id="config-h">${T.inEffect}</h2>
      <table class="figures">
        <tbody>
          ${view.settings.map(
            ([name, value]) =>
              html`<tr>
                <th scope="row"><code>${name}</code></th>
                <td>${value}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

export interface ReportGroupView {
  articleId: bigint;
  title: string;
  status: number;
  count: number;
  latest: string;
  types: Record<number, number>;
  remarks: readonly string[];
}

export function reportsBody(
  T: ConsoleText,
  view: { rows: readonly ReportGroupView[]; next: string | null; csrf: string; notice: string | null },
): Html {
  const csrf = html`<input type="hidden" name="_csrf" value="${view.csrf}" />`;
  return html`<h1>${T.reports}</h1>
    ${view.notice ? html`<p class="info" role="status">${view.notice}</p>` : ''}
    <ul class="tabs">
      <li><a href="/admin/reports" aria-current="page">${T.reportedArticles}</a></li>
      <li><a href="/admin/comments?reported=1">${T.reportedComments}</a></li>
    </ul>
    ${
      view.rows.length === 0
        ? html`<p>${T.noReports}</p>`
        : html`<ul class="report-groups">
            ${view.rows.map(
              (g) =>
                html`<li>
                  <h2><a href="/admin/review/${g.articleId}">${g.title}</a></h2>
                  <p class="meta">
                    <strong>${T.reportCount(g.count)}</strong><span>${T.statuses[g.status] ?? g.status}</span
                    ><time>${g.latest}</time>
                  </p>
                  <p>
                    ${Object.entries(g.types).map(
                      ([type, n]) => html`<span class="badge">${T.reportTypes[Number(type)] ?? type} × ${n}</span> `,
                    )}
                  </p>
                  ${
                    g.remarks.length > 0
                      ? html`<ul>
                          ${g.remarks.map((r) => html`<li>${r}</li>`)}
                        </ul>`
                      : ''
                  }
                  <form method="post" action="/admin/reports/${g.articleId}" class="stack decision">
                    ${csrf}
                    <label for="reason-${g.articleId}">${T.takeDownReason}</label>
                    <input id="reason-${g.articleId}" name="reason" maxlength="200" />
                    <div class="row">
                      ${
                        g.status === 5
                          ? html`<button type="submit" name="action" value="restore">${T.restore}</button>`
                          : html`<button type="submit" name="action" value="take-down">${T.takeDown}</button>`
                      }
                      <button type="submit" name="action" value="dismiss">${T.dismiss}</button>
                    </div>
                  </form>
                </li>`,
            )}
          </ul>`
    }
    ${view.next ? html`<a class="more" rel="next" href="${view.next}">${T.more}</a>` : ''}`;
}

export function earningsBody(
  T: ConsoleText,
  rows: readonly { authorId: bigint; name: string; credits: number; debits: number }[],
  next: string | null,
): Html {
  return html`<p><a href="/admin/payments">← ${T.payments}</a></p>
    <h1>${T.earnings}</h1>
    ${
      rows.length === 0
        ? html`<p>${T.noEarnings}</p>`
        : html`<table class="queue">
            <thead>
              <tr>
                <th scope="col">${T.author}</th>
                <th scope="col">${T.earned}</th>
                <th scope="col">${T.refunded}</th>
                <th scope="col">${T.balance}</th>
                <th scope="col">${T.orderList}</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (row) =>
                  html`<tr>
                    <td><a href="/admin/users/${row.authorId}">${row.name}</a></td>
                    <td>${T.yuan(row.credits)}</td>
                    <td>${T.yuan(row.debits)}</td>
                    <td><strong>${T.yuan(row.credits - row.debits)}</strong></td>
                    <td><a href="/admin/payments?author=${row.authorId}">${T.orderList}</a></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${next ? html`<a class="more" rel="next" href="${next}">${T.more}</a>` : ''}`;
}
