/**
 * The consent screen in the reader site's shell: which app asks (its name and who registered it),
 * for whose account, and each scope in plain words, with 允许 / 拒绝. zh-CN first, English beside,
 * following the site's language cookie.
 */
import { html, type Html } from '../../platform/web/html.js';
import { csrfField } from '../web/web.layout.js';
import type { Lang } from '../web/web.views.js';

const WORDS = {
  'zh-CN': {
    title: (app: string) => `授权 ${app}`,
    errorTitle: '授权请求有误',
    asks: (app: string) => html`<strong>${app}</strong> 想要使用你的墨石账号`,
    owner: (owner: string) => `开发者：${owner}`,
    unknownOwner: '开发者：自助注册的应用（未经审核）',
    as: (name: string) => `当前登录：${name}`,
    wants: '它将可以：',
    allow: '允许',
    deny: '拒绝',
    note: '只有点“允许”后，这个应用才能拿到上面列出的权限。',
    scopes: {
      openid: '知道你是谁（你的墨石账号编号）',
      profile: '读取你的昵称和头像',
      offline_access: '在你离开后继续保持授权（刷新令牌）',
      'articles:read': '读取文章',
      'interactions:write': '以你的名义点赞、收藏和关注',
      'comments:write': '以你的名义发表评论',
      'articles:write': '以你的名义发布和管理自媒体文章',
    } as Record<string, string>,
  },
  en: {
    title: (app: string) => `Authorize ${app}`,
    errorTitle: 'This authorization request is not valid',
    asks: (app: string) => html`<strong>${app}</strong> wants to use your Inkstone account`,
    owner: (owner: string) => `Developer: ${owner}`,
    unknownOwner: 'Developer: a self-registered app (not reviewed)',
    as: (name: string) => `Signed in as ${name}`,
    wants: 'It will be able to:',
    allow: 'Allow',
    deny: 'Deny',
    note: 'The app gets these permissions only if you choose Allow.',
    scopes: {
      openid: 'Know who you are (your Inkstone account id)',
      profile: 'Read your name and profile picture',
      offline_access: 'Stay authorized after you leave (refresh tokens)',
      'articles:read': 'Read articles',
      'interactions:write': 'Like, collect and follow on your behalf',
      'comments:write': 'Post comments on your behalf',
      'articles:write': 'Publish and manage your MP articles on your behalf',
    } as Record<string, string>,
  },
} as const;

export interface ConsentView {
  uid: string;
  app: string;
  owner: string | null;
  reader: string;
  scopes: readonly string[];
  csrf: string;
}

export function consentWords(lang: Lang) {
  return WORDS[lang];
}

export function consentBody(lang: Lang, view: ConsentView): Html {
  const w = WORDS[lang];
  const action = `/oauth/interaction/${view.uid}`;
  return html`<section class="login oauth-consent">
    <h1>${w.asks(view.app)}</h1>
    <p class="meta">${view.owner === null ? w.unknownOwner : w.owner(view.owner)}</p>
    <p class="meta">${w.as(view.reader)}</p>
    <h2>${w.wants}</h2>
    <ul class="oauth-scopes">
      ${view.scopes.map((scope) => html`<li data-scope="${scope}">${w.scopes[scope] ?? scope}</li>`)}
    </ul>
    <p class="hint">${w.note}</p>
    <form method="post" action="${action}" class="stack">
      ${csrfField(view.csrf)}
      <button type="submit" name="decision" value="allow" class="primary" id="oauth-allow">${w.allow}</button>
      <button type="submit" name="decision" value="deny" id="oauth-deny">${w.deny}</button>
    </form>
  </section>`;
}
