/**
 * The chat bot of contract §3.3: `message` {msg, timestamp (ms)} in, `message` {msg, timestamp
 * (unix seconds)} out, to the asking socket only. Deterministic: a greeting, fixed answers about the
 * site (signing in, the demo code, publishing as an author, channels, notifications…), and
 * otherwise the titles of the best matching articles.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { parseRule, RateLimiter, type Window } from '../../platform/rate-limit/index.js';
import type { RealtimeSocket } from '../../platform/realtime/index.js';
import type { ArticleFinder } from './article-finder.js';

export const CHAT_EVENT = 'message';
/** Messages one user (or, anonymous, one IP) may send. */
export const CHAT_RATE_RULE = '20/minute';
/** Longest question looked at; the rest is ignored. */
export const CHAT_MAX_CHARS = 500;
/** How many article titles an answer lists. */
export const CHAT_RESULTS = 3;

export const GREETING =
  '您好，我是头条小助手，请问有什么可以帮您？可以问我怎么登录、验证码、怎么发布文章，或者直接发关键词，我帮您找文章。';
export const FALLBACK = 'oops，我病了，容我缓一下...';
export const TOO_FAST = '消息太频繁了，请稍后再试。';

interface Faq {
  pattern: RegExp;
  answer: (ctx: { demoCode: string | null }) => string;
}

/** Checked in order; the first match answers. */
const FAQ: Faq[] = [
  {
    pattern: /验证码|万能码|收不到|demo code|verification code|sms code/i,
    answer: ({ demoCode }) =>
      (demoCode
        ? `演示环境可以直接使用万能验证码 ${demoCode} 登录（示例账号 13611111111）。`
        : '请使用短信收到的 6 位验证码登录。') + '验证码 5 分钟内有效，每个手机号每分钟只能获取一次。',
  },
  {
    pattern: /登录|登陆|注册|sign ?in|sign ?up|log ?in|账号/i,
    answer: () =>
      '在「我的」页点击「登录 / 注册」，输入手机号并获取短信验证码即可登录，第一次登录会自动注册。登录会自动续期，14 天内无需重新登录。',
  },
  {
    pattern: /发布|发表|写文章|投稿|自媒体|作者|创作|publish|write/i,
    answer: () =>
      '文章在自媒体平台发布：先在 App「编辑资料」中完成实名认证，再用同一手机号登录自媒体后台，点击「发布文章」，填写标题（5–30 字）、正文、封面并选择频道。提交后进入审核，审核通过即出现在 App 的频道里。',
  },
  {
    pattern: /频道|channel/i,
    answer: () =>
      '点击首页频道栏右侧的按钮可以编辑「我的频道」：添加、删除或调整顺序。未登录时频道保存在本机，登录后保存在账号里。',
  },
  {
    pattern: /通知|消息提醒|粉丝|关注|notif/i,
    answer: () =>
      '关注作者后，可在「我的」查看关注和粉丝。有人关注您、点赞或评论您的文章时，在线会立刻收到通知；离线期间的通知也会保留，登录后可以查看。',
  },
  {
    pattern: /收藏|历史|浏览记录|collect|history/i,
    answer: () => '在文章详情页底部点击「收藏」即可收藏；「我的」页可以查看收藏的文章和阅读历史。',
  },
  {
    pattern: /头像|昵称|资料|实名|profile/i,
    answer: () => '在「我的」→「编辑资料」中可以修改头像、昵称、性别、生日和简介；实名认证也在那里完成。',
  },
  {
    pattern: /你是谁|你能做什么|帮助|功能|help|who are you/i,
    answer: () =>
      '我是头条小助手：可以回答登录、验证码、发布文章、频道、通知等问题，也可以根据关键词帮您找文章，比如发送「Python」。',
  },
  { pattern: /谢谢|感谢|thank/i, answer: () => '不客气，祝您阅读愉快！' },
  { pattern: /再见|拜拜|\bbye\b/i, answer: () => '再见，欢迎随时回来～' },
];

const GREETING_PATTERN = /^(你好|您好|(hi|hello|hey)\b|嗨|哈喽|哈啰|在吗|在么|早上好|中午好|下午好|晚上好|早安)/i;

export interface ChatBotDeps {
  finder: ArticleFinder;
  /** The universal SMS code when demo sign-in is on (config.auth.demoSmsCode), else null. */
  demoCode: string | null;
}

export function createChatBot(deps: ChatBotDeps) {
  return {
    /** The bot's answer to one message (never throws for a finder failure: the fallback line). */
    async reply(text: string): Promise<string> {
      const question = text.trim().slice(0, CHAT_MAX_CHARS);
      if (question === '') return '请说点什么吧，比如「怎么登录」或者一个关键词。';
      const faq = FAQ.find((entry) => entry.pattern.test(question));
      if (faq) return faq.answer({ demoCode: deps.demoCode });
      if (GREETING_PATTERN.test(question) && question.length <= 12) return GREETING;
      let found;
      try {
        found = await deps.finder.find(question, CHAT_RESULTS);
      } catch {
        return FALLBACK;
      }
      if (found.length === 0) return `没有找到和「${question.slice(0, 30)}」相关的文章，换个关键词试试吧。`;
      return `为您找到这些相关文章：\n${found.map((a, i) => `${i + 1}. 《${a.title}》`).join('\n')}`;
    },
  };
}

export type ChatBot = ReturnType<typeof createChatBot>;

export interface ChatSocketDeps {
  bot: ChatBot;
  limiter: RateLimiter;
  clock: Clock;
  logger: Pick<Logger, 'error'>;
  rule?: string;
}

/** Answers `message` on a socket: in order, rate limited per user (anonymous: per IP). */
export function chatHandler(deps: ChatSocketDeps): (socket: RealtimeSocket) => void {
  const windows: Window[] = parseRule(deps.rule ?? CHAT_RATE_RULE);
  const answer = (socket: RealtimeSocket, msg: string) =>
    socket.emit(CHAT_EVENT, { msg, timestamp: Math.floor(deps.clock.now() / 1000) });

  return (socket) => {
    const key = socket.data.userId !== null ? `user:${socket.data.userId}` : `ip:${socket.data.ip}`;
    let queue: Promise<void> = Promise.resolve();
    socket.on(CHAT_EVENT, (payload: unknown) => {
      const msg = (payload as { msg?: unknown } | null)?.msg;
      if (typeof msg !== 'string') return;
      queue = queue.then(async () => {
        try {
          const decision = await deps.limiter.hit('chat', key, windows);
          answer(socket, decision.allowed ? await deps.bot.reply(msg) : TOO_FAST);
        } catch (error) {
          deps.logger.error({ err: error }, 'chat: answering failed');
          answer(socket, FALLBACK);
        }
      });
    });
  };
}
