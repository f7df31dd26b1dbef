/**
 * The bodies of the sign-in page and the reader's own pages (/me and below). Pure functions of
 * what the routes load, like web.pages.ts.
 */
import { html, type Html } from '../../platform/web/html.js';
import { csrfField } from './web.layout.js';
import { articlePath, shortTime, userPath } from './web.pages.js';
import type { Text } from './web.text.js';

export interface LoginView {
  csrf: string;
  /** Where to go once signed in (a local path). */
  next: string;
  mobile: string;
  /** A message about the last attempt (error or "code sent"), shown in a live region. */
  message: { kind: 'error' | 'info'; text: string } | null;
  /** Seconds before another code may be asked for (the server's one-a-minute limit). */
  resendIn: number;
  /** Development only: the fixed demo code, so a newcomer can sign in. */
  demoCode: string | null;
}

export type MeSection =
  | 'profile'
  | 'collections'
  | 'history'
  | 'following'
  | 'followers'
  | 'notifications'
  | 'devices'
  /** The open platform's pages (served by the oauth module). */
  | 'apps'
  | 'developer';

export interface ProfileForm {
  csrf: string;
  id: bigint;
  name: string;
  intro: string;
  photo: string;
  saved: boolean;
  counts: { following: number; fans: number; articles: number };
}

export interface PersonRow {
  id: bigint;
  name: string;
  photo: string;
  mutual: boolean;
}

export interface NotificationRow {
  id: bigint;
  type: string;
  actorName: string;
  /** The article it is about, when there is one. */
  articleId: bigint | null;
  at: string;
  read: boolean;
}

export interface DeviceRow {
  id: bigint;
  client: string;
  userAgent: string;
  ip: string;
  lastUsed: string;
  current: boolean;
}

export interface PayResultView {
  status: 'paid' | 'pending' | 'failed';
  kind: 'article' | 'tip' | null;
  /** Where to go on: the article (full text now), or home. */
  back: string;
}

/** The templates below in one language: `TEXT` is that language's table (web.text.ts). */
export function accountPagesIn(TEXT: Text) {
  function loginBody(view: LoginView): Html {
    const hidden = html`${csrfField(view.csrf)}<input type="hidden" name="next" value="${view.next}" />`;
    return html`<section class="login">
      <h1>${TEXT.signInTitle}</h1>
      <p class="meta">${TEXT.signInIntro}</p>
      <p id="login-message" class="${view.message?.kind ?? 'info'}" role="status" aria-live="polite">
        ${view.message?.text ?? ''}
      </p>
      ${view.demoCode ? html`<p class="hint">${TEXT.demoCodeHint(view.demoCode)}</p>` : ''}
      <form method="post" action="/login" class="stack" id="sms-login">
        ${hidden}
        <label for="mobile">${TEXT.mobile}</label>
        <input
          id="mobile"
          name="mobile"
          type="tel"
          inputmode="numeric"
          autocomplete="tel"
          pattern="1[0-9]{10}"
          maxlength="11"
          required
          value="${view.mobile}"
        />
        <label for="code">${TEXT.smsCode}</label>
        <div class="row">
          <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" />
          <button
            type="submit"
            formaction="/login/code"
            formnovalidate
            id="send-code"
            data-resend-in="${view.resendIn}"
            data-label="${TEXT.sendCode}"
            data-resend-text="${TEXT.resendIn('{s}')}"
            data-too-fast="${TEXT.tooFast('{s}')}"
          >
            ${view.resendIn > 0 ? TEXT.resendIn(view.resendIn) : TEXT.sendCode}
          </button>
        </div>
        <button type="submit" class="primary">${TEXT.signIn}</button>
      </form>
      <details>
        <summary>${TEXT.signInWithPassword}</summary>
        <form method="post" action="/login/password" class="stack">
          ${hidden}
          <label for="login">${TEXT.login}</label>
          <input id="login" name="login" autocomplete="username" maxlength="100" required />
          <label for="password">${TEXT.password}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" class="primary">${TEXT.signIn}</button>
        </form>
      </details>
    </section>`;
  }

  const SECTIONS: readonly [MeSection, string, string][] = [
    ['profile', '/me', TEXT.profileHeading],
    ['collections', '/me/collections', TEXT.collections],
    ['history', '/me/history', TEXT.history],
    ['following', '/me/following', TEXT.following],
    ['followers', '/me/followers', TEXT.followers],
    ['notifications', '/me/notifications', TEXT.notifications],
    ['devices', '/me/devices', TEXT.devices],
    ['apps', '/me/apps', TEXT.authorizedApps],
    ['developer', '/me/developer/apps', TEXT.myApps],
  ];

  /** The reader's pages share a heading and a menu of sections. */
  function meLayout(section: MeSection, body: Html): Html {
    return html`<h1>${TEXT.meTitle}</h1>
      <nav aria-label="${TEXT.meTitle}">
        <ul class="tabs me-tabs">
          ${SECTIONS.map(
            ([key, href, label]) =>
              html`<li><a href="${href}" ${key === section ? html`aria-current="page"` : ''}>${label}</a></li>`,
          )}
        </ul>
      </nav>
      <section aria-labelledby="me-h">
        <h2 id="me-h">${SECTIONS.find(([key]) => key === section)![2]}</h2>
        ${body}
      </section>`;
  }

  function profileFormBody(view: ProfileForm): Html {
    return html`${view.saved ? html`<p class="info" role="status">${TEXT.saved}</p>` : ''}
      <div class="profile">
        <img src="${view.photo}" alt="" width="72" height="72" />
        <p class="meta">
          <a href="${userPath(view.id)}">${view.name}</a><span>${TEXT.profileArticles(view.counts.articles)}</span
          ><span>${TEXT.profileFollowing(view.counts.following)}</span
          ><span>${TEXT.profileFans(view.counts.fans)}</span>
        </p>
      </div>
      <form method="post" action="/me/profile" class="stack">
        ${csrfField(view.csrf)}
        <label for="name">${TEXT.displayName}</label>
        <input id="name" name="name" value="${view.name}" maxlength="7" required />
        <label for="intro">${TEXT.intro}</label>
        <textarea id="intro" name="intro" rows="3" maxlength="200">${view.intro}</textarea>
        <button type="submit" class="primary">${TEXT.save}</button>
      </form>
      <form method="post" action="/me/photo" enctype="multipart/form-data" class="stack">
        ${csrfField(view.csrf)}
        <label for="photo">${TEXT.uploadAvatar}</label>
        <input id="photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp,image/gif" required />
        <button type="submit">${TEXT.save}</button>
      </form>`;
  }

  function peopleBody(rows: readonly PersonRow[], next: string | null): Html {
    if (rows.length === 0) return html`<p>${TEXT.noItems}</p>`;
    return html`<ul class="people">
        ${rows.map(
          (row) =>
            html`<li>
              <img src="${row.photo}" alt="" width="40" height="40" loading="lazy" /><a href="${userPath(row.id)}"
                >${row.name}</a
              >${row.mutual ? html`<span class="meta">${TEXT.mutual}</span>` : ''}
            </li>`,
        )}
      </ul>
      ${next ? html`<a class="more" rel="next" href="${next}">${TEXT.more}</a>` : ''}`;
  }

  function notificationText(type: string, name: string): string {
    const table = TEXT.notificationText as Record<string, (name: string) => string>;
    return (table[type] ?? TEXT.notificationText.other)(name);
  }

  function notificationsBody(csrf: string, rows: readonly NotificationRow[], next: string | null): Html {
    return html`<form method="post" action="/me/notifications/read">
        ${csrfField(csrf)}<button type="submit">${TEXT.markAllRead}</button>
      </form>
      <p class="meta">${TEXT.liveHint}</p>
      <ol
        class="notifications"
        id="notifications"
        data-live
        data-follow="${notificationText('follow', '{name}')}"
        data-like="${notificationText('like', '{name}')}"
        data-comment="${notificationText('comment', '{name}')}"
        data-unread="${TEXT.unread}"
      >
        ${rows.map(
          (row) =>
            html`<li class="${row.read ? '' : 'unread'}">
              ${row.read ? '' : html`<span class="badge">${TEXT.unread}</span>`}
              ${
                row.articleId === null
                  ? notificationText(row.type, row.actorName)
                  : html`<a href="${articlePath(row.articleId)}">${notificationText(row.type, row.actorName)}</a>`
              }
              <time datetime="${row.at}">${shortTime(row.at)}</time>
            </li>`,
        )}
      </ol>
      ${rows.length === 0 ? html`<p id="no-notifications">${TEXT.noItems}</p>` : ''}
      ${next ? html`<a class="more" rel="next" href="${next}">${TEXT.more}</a>` : ''}`;
  }

  function devicesBody(csrf: string, rows: readonly DeviceRow[]): Html {
    return html`<ul class="devices">
      ${rows.map(
        (row) =>
          html`<li>
            <div>
              <strong>${row.client}</strong> ${row.current ? html`<span class="badge">${TEXT.thisDevice}</span>` : ''}
              <p class="meta">
                <span>${row.userAgent || '—'}</span><span>${row.ip}</span
                ><span>${TEXT.lastUsed(shortTime(row.lastUsed))}</span>
              </p>
            </div>
            <form method="post" action="${row.current ? '/logout' : `/me/devices/${row.id}/revoke`}">
              ${csrfField(csrf)}<button type="submit">${row.current ? TEXT.signOut : TEXT.signOutDevice}</button>
            </form>
          </li>`,
      )}
    </ul>`;
  }

  function payResultBody(view: PayResultView): Html {
    const text =
      view.status === 'paid'
        ? view.kind === 'tip'
          ? TEXT.payPaidTip
          : TEXT.payPaidArticle
        : view.status === 'pending'
          ? TEXT.payPending
          : TEXT.payFailed;
    return html`<section class="pay-result">
      <h1 id="status" data-status="${view.status}">${TEXT.payResult[view.status]}</h1>
      <p role="status">${text}</p>
      <p><a class="button primary" href="${view.back}">${view.kind ? TEXT.continueReading : TEXT.backHome}</a></p>
    </section>`;
  }

  return {
    loginBody,
    meLayout,
    profileFormBody,
    peopleBody,
    notificationText,
    notificationsBody,
    devicesBody,
    payResultBody,
  };
}
