/**
 * The open platform's pages in the reader's own section (/me): the apps a reader authorized
 * (oauth.authorized-apps.routes.ts) and the apps a developer registered (oauth.developer.routes.ts).
 * Pure functions of what the routes load, zh-CN first with English beside, like oauth.consent.ts,
 * whose words for scopes they reuse. Every form that writes carries the CSRF token.
 */
import { html, type Html } from '../../platform/web/html.js';
import { csrfField } from '../web/web.layout.js';
import type { Lang } from '../web/web.views.js';
import { consentWords } from './oauth.consent.js';
import {
  NAME_MAX,
  REDIRECT_URIS_MAX,
  URI_MAX,
  type AppField,
  type AppForm,
  type AppKind,
  type FieldProblem,
  type ProblemReason,
} from './oauth.developer.js';

type UriReason = Exclude<ProblemReason, 'missing' | 'too-many' | 'refused'>;

const WORDS = {
  'zh-CN': {
    appsIntro:
      '下面的应用可以按列出的权限使用你的墨石账号。撤销授权后，它持有的令牌立即失效，再次使用须重新征得你的同意。',
    noApps: '你还没有授权过任何应用。',
    grantedOn: (date: string) => `授权于 ${date}`,
    revoke: '撤销授权',
    revokeLabel: (app: string) => `撤销授权：${app}`,
    revoked: '已撤销授权，这个应用的令牌已全部失效。',
    devIntro: '在这里注册接入墨石开放平台（OAuth 2.0 / OpenID Connect）的应用。',
    discovery: '发现文档：',
    noOwnApps: '你还没有注册应用。',
    register: '注册新应用',
    registerButton: '注册应用',
    fields: { name: '应用名称', redirect_uris: '回调地址', logo_uri: 'Logo 地址', kind: '应用类型' } as Record<
      AppField,
      string
    >,
    optional: '（可选）',
    nameHint: `最多 ${NAME_MAX} 个字，读者在授权页上看到的就是它。`,
    redirectHint:
      '每行一个。授权请求的 redirect_uri 必须与其中之一完全一致。正式地址用 https://，开发时可以用 http://127.0.0.1 或 http://localhost。',
    logoHint: '图片地址，显示在读者的“我授权的应用”页上。',
    kinds: {
      confidential: '服务端应用：客户端密钥保存在你的服务器上（机密客户端）',
      public: '公开应用：手机或浏览器里的应用，没有密钥，必须使用 PKCE',
    } as Record<AppKind, string>,
    kindShort: { confidential: '服务端应用', public: '公开应用' } as Record<AppKind, string>,
    clientId: 'Client ID',
    tokenAuth: {
      confidential: '令牌端点认证：HTTP Basic（client_secret_basic）',
      public: '令牌端点认证：无，须使用 PKCE（S256）',
    } as Record<AppKind, string>,
    createdOn: (date: string) => `注册于 ${date}`,
    registeredAt: '注册时间',
    problemsTitle: '请修改以下内容：',
    secretTitle: '客户端密钥',
    secretOnce: '只显示这一次：请现在复制并妥善保存。离开本页后无法再次查看，遗失了只能轮换一个新的。',
    secretNote: '客户端密钥只在注册和轮换后显示一次。',
    registered: '应用已注册。',
    edit: '修改应用',
    save: '保存',
    saved: '已保存。',
    rotate: '轮换密钥',
    rotateHint: '生成新的客户端密钥，旧密钥立即失效。',
    remove: '删除应用',
    removeHint: '删除后，读者对它的授权和它持有的全部令牌立即失效，无法恢复。',
    removed: '应用已删除，它的授权和令牌已全部失效。',
    back: '返回我的应用',
    line: (line: number, value: string) => `第 ${line} 行“${value}”`,
    quoted: (value: string) => `“${value}”`,
    colon: '：',
    space: '',
    missing: {
      name: '不能为空。',
      redirect_uris: '至少填写一个。',
      logo_uri: '不能为空。',
      kind: '请选择一种。',
    } as Record<AppField, string>,
    tooLongName: `最多 ${NAME_MAX} 个字。`,
    tooMany: `最多 ${REDIRECT_URIS_MAX} 个。`,
    refused: (detail: string) => `未通过校验（${detail}）。`,
    uri: {
      'not-absolute': '不是完整的地址，应以 https:// 开头。',
      fragment: '带有 # 片段，这里的地址不能含片段。',
      insecure: '使用了 http：只有 127.0.0.1 和 localhost 可以用 http，其他地址请用 https。',
      scheme: '不是 https 地址。',
      credentials: '不能含用户名或密码。',
      'too-long': `太长，最多 ${URI_MAX} 个字符。`,
    } as Record<UriReason, string>,
  },
  en: {
    appsIntro:
      'These apps may use your Inkstone account as listed. Revoking an app ends every token it holds at once; it must ask you again to come back.',
    noApps: 'You have not authorized any app.',
    grantedOn: (date: string) => `Authorized on ${date}`,
    revoke: 'Revoke',
    revokeLabel: (app: string) => `Revoke: ${app}`,
    revoked: 'Revoked: every token of this app has stopped working.',
    devIntro: 'Register apps that use the Inkstone open platform (OAuth 2.0 / OpenID Connect) here.',
    discovery: 'Discovery document: ',
    noOwnApps: 'You have not registered an app yet.',
    register: 'Register a new app',
    registerButton: 'Register the app',
    fields: { name: 'App name', redirect_uris: 'Redirect URIs', logo_uri: 'Logo URL', kind: 'App type' } as Record<
      AppField,
      string
    >,
    optional: ' (optional)',
    nameHint: `At most ${NAME_MAX} characters; readers see it when they are asked to authorize.`,
    redirectHint:
      'One per line. The redirect_uri of an authorization request must equal one of them exactly. Use https:// in production; http://127.0.0.1 or http://localhost while developing.',
    logoHint: 'An image URL, shown on the readers’ authorized apps page.',
    kinds: {
      confidential: 'Server app: its client secret stays on your server (confidential client)',
      public: 'Public app: a phone or browser app, no secret, PKCE required',
    } as Record<AppKind, string>,
    kindShort: { confidential: 'Server app', public: 'Public app' } as Record<AppKind, string>,
    clientId: 'Client ID',
    tokenAuth: {
      confidential: 'Token endpoint authentication: HTTP Basic (client_secret_basic)',
      public: 'Token endpoint authentication: none, PKCE (S256) required',
    } as Record<AppKind, string>,
    createdOn: (date: string) => `Registered on ${date}`,
    registeredAt: 'Registered',
    problemsTitle: 'Please correct the following:',
    secretTitle: 'Client secret',
    secretOnce:
      'Shown this once: copy it now and keep it safe. It cannot be shown again after you leave this page; if it is lost, rotate a new one.',
    secretNote: 'The client secret is shown once only, after registration and after each rotation.',
    registered: 'The app is registered.',
    edit: 'Edit the app',
    save: 'Save',
    saved: 'Saved.',
    rotate: 'Rotate the secret',
    rotateHint: 'Issues a new client secret; the old one stops working at once.',
    remove: 'Delete the app',
    removeHint:
      'Every authorization readers gave it, and every token it holds, stop working at once. This cannot be undone.',
    removed: 'The app is deleted; its authorizations and tokens have stopped working.',
    back: 'Back to my apps',
    line: (line: number, value: string) => `line ${line} “${value}”`,
    quoted: (value: string) => `“${value}”`,
    colon: ': ',
    space: ' ',
    missing: {
      name: 'required.',
      redirect_uris: 'enter at least one.',
      logo_uri: 'required.',
      kind: 'choose one.',
    } as Record<AppField, string>,
    tooLongName: `at most ${NAME_MAX} characters.`,
    tooMany: `at most ${REDIRECT_URIS_MAX}.`,
    refused: (detail: string) => `refused (${detail}).`,
    uri: {
      'not-absolute': 'is not an absolute URI; start it with https://.',
      fragment: 'has a #fragment, which is not allowed here.',
      insecure: 'uses http: only 127.0.0.1 and localhost may use http; use https elsewhere.',
      scheme: 'is not an https URI.',
      credentials: 'must not contain a user name or password.',
      'too-long': `is too long (at most ${URI_MAX} characters).`,
    } as Record<UriReason, string>,
  },
} as const;

type Words = (typeof WORDS)[Lang];

export const pageWords = (lang: Lang) => WORDS[lang];

/** A problem as one sentence that starts with the field's name. */
export function problemText(lang: Lang, problem: FieldProblem): string {
  const w = WORDS[lang];
  const label = w.fields[problem.field];
  const shown = (value: string) => (value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (problem.field === 'name' && problem.reason === 'too-long') return `${label}${w.colon}${w.tooLongName}`;
  let text: string;
  switch (problem.reason) {
    case 'missing':
      text = w.missing[problem.field];
      break;
    case 'too-many':
      text = w.tooMany;
      break;
    case 'refused':
      text = w.refused(problem.detail ?? '');
      break;
    case 'too-long':
    case 'not-absolute':
    case 'fragment':
    case 'insecure':
    case 'scheme':
    case 'credentials': {
      const value = shown(problem.value ?? '');
      const where = problem.line === undefined ? w.quoted(value) : w.line(problem.line, value);
      text = `${where}${w.space}${w.uri[problem.reason]}`;
      break;
    }
  }
  return `${label}${w.colon}${text}`;
}

/** The app's logo, or its first character in a tile; decorative either way (the name follows). */
function logo(name: string, src: string | null): Html {
  return src
    ? html`<img
        class="oauth-logo"
        src="${src}"
        alt=""
        width="40"
        height="40"
        loading="lazy"
        referrerpolicy="no-referrer"
      />`
    : html`<span class="oauth-logo" aria-hidden="true">${[...name][0] ?? '?'}</span>`;
}

export interface AuthorizedAppView {
  clientId: string;
  name: string;
  logo: string | null;
  /** The developer's name; null for an app registered without a signed-in owner. */
  owner: string | null;
  scopes: readonly string[];
  /** YYYY-MM-DD */
  grantedOn: string;
}

export function authorizedAppsBody(
  lang: Lang,
  view: { csrf: string; apps: readonly AuthorizedAppView[]; revoked: boolean },
): Html {
  const w = WORDS[lang];
  const consent = consentWords(lang);
  return html`${view.revoked ? html`<p class="info" role="status">${w.revoked}</p>` : ''}
    <p class="hint">${w.appsIntro}</p>
    ${
      view.apps.length === 0
        ? html`<p>${w.noApps}</p>`
        : html`<ul class="oauth-apps">
            ${view.apps.map(
              (app) =>
                html`<li data-client-id="${app.clientId}">
                  ${logo(app.name, app.logo)}
                  <div>
                    <h3>${app.name}</h3>
                    <p class="meta">
                      <span>${app.owner === null ? consent.unknownOwner : consent.owner(app.owner)}</span
                      ><span>${w.grantedOn(app.grantedOn)}</span>
                    </p>
                    <ul class="oauth-scopes">
                      ${app.scopes.map((scope) => html`<li data-scope="${scope}">${consent.scopes[scope] ?? scope}</li>`)}
                    </ul>
                    <form method="post" action="/me/apps/${encodeURIComponent(app.clientId)}/revoke">
                      ${csrfField(view.csrf)}
                      <button type="submit" aria-label="${w.revokeLabel(app.name)}">${w.revoke}</button>
                    </form>
                  </div>
                </li>`,
            )}
          </ul>`
    }`;
}

export interface DeveloperAppView {
  clientId: string;
  name: string;
  logo: string | null;
  kind: AppKind;
  redirectUris: readonly string[];
  /** YYYY-MM-DD */
  createdOn: string;
}

export const appPath = (clientId: string) => `/me/developer/apps/${encodeURIComponent(clientId)}`;

const FIELD_IDS: Record<AppField, string> = {
  name: 'app-name',
  redirect_uris: 'app-redirect-uris',
  logo_uri: 'app-logo-uri',
  kind: 'app-kind-confidential',
};

/** What is wrong, at the top of the form, each line a link to its field. */
function problemSummary(w: Words, lang: Lang, problems: readonly FieldProblem[]): Html | '' {
  if (problems.length === 0) return '';
  return html`<div class="error form-problems" role="alert" id="form-problems">
    <p>${w.problemsTitle}</p>
    <ul>
      ${problems.map((p) => html`<li><a href="#${FIELD_IDS[p.field]}">${problemText(lang, p)}</a></li>`)}
    </ul>
  </div>`;
}

/** The fields an app is described by; the type is chosen at registration only. */
function appFields(lang: Lang, form: AppForm, problems: readonly FieldProblem[], registering: boolean): Html {
  const w = WORDS[lang];
  const problemOf = (field: AppField) => problems.find((p) => p.field === field);
  /** aria-describedby and aria-invalid of a field: its hint, and its problem when it has one. */
  const described = (field: AppField) => {
    const problem = problemOf(field) !== undefined;
    const ids = problem ? `${FIELD_IDS[field]}-hint ${FIELD_IDS[field]}-error` : `${FIELD_IDS[field]}-hint`;
    return html`aria-describedby="${ids}" ${problem ? html`aria-invalid="true"` : ''}`;
  };
  const error = (field: AppField) => {
    const problem = problemOf(field);
    return problem ? html`<p class="error" id="${FIELD_IDS[field]}-error">${problemText(lang, problem)}</p>` : '';
  };
  return html`<label for="app-name">${w.fields.name}</label>
    <input id="app-name" name="name" value="${form.name}" maxlength="${NAME_MAX}" required ${described('name')} />
    <p class="hint" id="app-name-hint">${w.nameHint}</p>
    ${error('name')}
    <label for="app-redirect-uris">${w.fields.redirect_uris}</label>
    <textarea
      id="app-redirect-uris"
      name="redirect_uris"
      rows="3"
      required
      spellcheck="false"
      autocapitalize="off"
      placeholder="https://app.example.com/callback"
      ${described('redirect_uris')}
    >
${form.redirectUris}</textarea>
    <p class="hint" id="app-redirect-uris-hint">${w.redirectHint}</p>
    ${error('redirect_uris')}
    <label for="app-logo-uri">${w.fields.logo_uri}${w.optional}</label>
    <input
      id="app-logo-uri"
      name="logo_uri"
      type="url"
      value="${form.logoUri}"
      maxlength="${URI_MAX}"
      ${described('logo_uri')}
    />
    <p class="hint" id="app-logo-uri-hint">${w.logoHint}</p>
    ${error('logo_uri')}
    ${
      registering
        ? html`<fieldset ${problemOf('kind') ? html`aria-describedby="app-kind-confidential-error"` : ''}>
              <legend>${w.fields.kind}</legend>
              ${(['confidential', 'public'] as const).map(
                (kind) =>
                  html`<label
                    ><input
                      type="radio"
                      id="app-kind-${kind}"
                      name="kind"
                      value="${kind}"
                      required
                      ${form.kind === kind ? html`checked` : ''}
                    />
                    <span>${w.kinds[kind]}</span></label
                  >`,
              )}
            </fieldset>
            ${error('kind')}`
        : ''
    }`;
}

export function developerAppsBody(
  lang: Lang,
  view: {
    csrf: string;
    origin: string;
    apps: readonly DeveloperAppView[];
    form: AppForm;
    problems: readonly FieldProblem[];
    removed: boolean;
  },
): Html {
  const w = WORDS[lang];
  const discovery = `${view.origin}/.well-known/openid-configuration`;
  return html`${view.removed ? html`<p class="info" role="status">${w.removed}</p>` : ''}
    <p class="hint">${w.devIntro} ${w.discovery}<code>${discovery}</code></p>
    ${
      view.apps.length === 0
        ? html`<p>${w.noOwnApps}</p>`
        : html`<ul class="oauth-apps">
            ${view.apps.map(
              (app) =>
                html`<li data-client-id="${app.clientId}">
                  ${logo(app.name, app.logo)}
                  <div>
                    <h3><a href="${appPath(app.clientId)}">${app.name}</a></h3>
                    <p class="meta"><span>${w.kindShort[app.kind]}</span><span>${w.createdOn(app.createdOn)}</span></p>
                    <p class="meta">${w.clientId}<code>${app.clientId}</code></p>
                  </div>
                </li>`,
            )}
          </ul>`
    }
    <h3 id="register">${w.register}</h3>
    ${problemSummary(w, lang, view.problems)}
    <form method="post" action="/me/developer/apps" class="stack" aria-labelledby="register">
      ${csrfField(view.csrf)} ${appFields(lang, view.form, view.problems, true)}
      <button type="submit" class="primary">${w.registerButton}</button>
    </form>`;
}

export function developerAppBody(
  lang: Lang,
  view: {
    csrf: string;
    app: DeveloperAppView;
    /** The secret, on the one page load that may show it. */
    secret: string | null;
    notice: 'registered' | 'saved' | null;
    form: AppForm;
    problems: readonly FieldProblem[];
  },
): Html {
  const w = WORDS[lang];
  const { app } = view;
  const here = appPath(app.clientId);
  return html`<p><a href="/me/developer/apps">← ${w.back}</a></p>
    ${view.notice ? html`<p class="info" role="status">${view.notice === 'saved' ? w.saved : w.registered}</p>` : ''}
    <div class="oauth-app-head">
      ${logo(app.name, app.logo)}
      <h3>${app.name}</h3>
    </div>
    ${
      view.secret
        ? html`<section class="oauth-secret" aria-labelledby="secret-h">
            <h4 id="secret-h">${w.secretTitle}</h4>
            <p><code id="client-secret">${view.secret}</code></p>
            <p class="error">${w.secretOnce}</p>
          </section>`
        : ''
    }
    <dl class="oauth-app">
      <dt>${w.clientId}</dt>
      <dd><code id="client-id">${app.clientId}</code></dd>
      <dt>${w.fields.kind}</dt>
      <dd>${w.kindShort[app.kind]} · ${w.tokenAuth[app.kind]}</dd>
      <dt>${w.fields.redirect_uris}</dt>
      <dd>
        <ul>
          ${app.redirectUris.map((uri) => html`<li><code>${uri}</code></li>`)}
        </ul>
      </dd>
      <dt>${w.registeredAt}</dt>
      <dd>${app.createdOn}</dd>
    </dl>
    ${app.kind === 'confidential' && !view.secret ? html`<p class="hint">${w.secretNote}</p>` : ''}
    <h3 id="edit">${w.edit}</h3>
    ${problemSummary(w, lang, view.problems)}
    <form method="post" action="${here}" class="stack" aria-labelledby="edit">
      ${csrfField(view.csrf)} ${appFields(lang, view.form, view.problems, false)}
      <button type="submit" class="primary">${w.save}</button>
    </form>
    ${
      app.kind === 'confidential'
        ? html`<form method="post" action="${here}/secret" class="stack">
            ${csrfField(view.csrf)}
            <p class="hint" id="rotate-hint">${w.rotateHint}</p>
            <button type="submit" aria-describedby="rotate-hint">${w.rotate}</button>
          </form>`
        : ''
    }
    <form method="post" action="${here}/delete" class="stack">
      ${csrfField(view.csrf)}
      <p class="hint" id="remove-hint">${w.removeHint}</p>
      <button type="submit" class="danger" aria-describedby="remove-hint">${w.remove}</button>
    </form>`;
}
