/**
 * Article text generated from templates and a channel's topic words: a title (5–30 characters)
 * and a simple HTML body (3–6 paragraphs, sometimes a heading, a list, a code block or an image).
 * Every title names one of the channel's topics and every body ends with a tag line naming the
 * channel, so searching a channel's name or topics finds its articles.
 */
import type { DemoChannel } from './demo-channels.js';
import { intBetween, pick, pickDistinct, type Random } from './prng.js';
import { escapeHtml } from '../../platform/web/html.js';

export type DemoLanguage = 'zh' | 'en';

export const TITLE_MIN = 5;
export const TITLE_MAX = 30;

interface Template {
  text: string;
  /** Only for programming channels (hands-on wording). */
  tech?: boolean;
}

const TITLES: Record<DemoLanguage, Template[]> = {
  zh: [
    { text: '深入理解{t}' },
    { text: '{t}入门指南' },
    { text: '关于{t}的{n}点思考' },
    { text: '聊聊{c}里的{t}' },
    { text: '{t}和{t2}，该怎么选？' },
    { text: '一文讲透{t}' },
    { text: '重新认识{t}' },
    { text: '{t}常见误区盘点' },
    { text: '关于{t}，你需要知道的事' },
    { text: '{c}观察：{t}' },
    { text: '{t}的{n}个实用技巧', tech: true },
    { text: '我在项目里踩过的{t}坑', tech: true },
    { text: '{t}实战笔记', tech: true },
    { text: '从零开始学{t}', tech: true },
    { text: '{t}最佳实践总结', tech: true },
    { text: '面试官最爱问的{t}', tech: true },
  ],
  en: [
    { text: 'Understanding {t}' },
    { text: 'Notes on {t}' },
    { text: 'Why care about {t}?' },
    { text: '{T} vs {t2}' },
    { text: 'A closer look at {t}' },
    { text: '{T}, explained' },
    { text: 'Rethinking {t}' },
    { text: '{n} thoughts on {t}' },
    { text: '{C} weekly: {t}' },
    { text: '{T} in practice', tech: true },
    { text: '{n} tips for {t}', tech: true },
    { text: 'Debugging {t}', tech: true },
    { text: 'Getting started with {t}', tech: true },
    { text: '{T} pitfalls to avoid', tech: true },
    { text: 'What I got wrong about {t}', tech: true },
    { text: 'Lessons from {t} in prod', tech: true },
  ],
};

const INTROS: Record<DemoLanguage, Template[]> = {
  zh: [
    {
      text: '最近在团队里推广{t}，发现大家对它的理解差别很大。这篇文章把我这段时间的实践整理出来，希望对同样关注{c}的同学有所帮助。',
      tech: true,
    },
    {
      text: '社区里关于{t}的讨论一直很热闹，有人觉得它被高估了，也有人认为它是{c}领域绕不开的基础。我的看法是：先了解清楚，再下判断。',
    },
    {
      text: '先说结论：{t}不是万能的，但放在合适的位置，它能实实在在地解决问题。关键在于弄清楚它到底解决的是什么问题。',
    },
    { text: '过去一段时间，{t}频繁出现在各类讨论中。热度背后，真正值得关注的是它给{c}带来的长期变化。' },
  ],
  en: [
    {
      text: 'Over the past few months our team has been adopting {t}, and opinions inside the team vary a lot. This post collects what we learned, in the hope that it helps anyone else working on {c}.',
      tech: true,
    },
    {
      text: 'The community keeps debating {t}: some say the idea is overrated, others see a foundation of {c} you cannot avoid. My take: understand the details first, judge later.',
    },
    {
      text: 'Short version: do not expect miracles from {t}, but used in the right place, the payoff is real. The trick is to be clear about which problem you are actually solving.',
    },
    {
      text: 'Lately you see {t} everywhere. Behind the hype, what deserves attention is the long-term change for {c}.',
    },
  ],
};

const MIDDLES: Record<DemoLanguage, Template[]> = {
  zh: [
    { text: '很多教程只讲了{t}的用法，却很少解释背后的取舍。理解了这些取舍，再去看{t2}，很多疑惑会自然消失。' },
    {
      text: '我们的做法是先写一个最小可运行的例子，再逐步加入真实业务里的约束。这样每一步的变化都清晰可见，出了问题也容易定位。',
      tech: true,
    },
    {
      text: '在实际项目中，{t}最容易出问题的地方往往不是功能本身，而是边界情况：空数据、超时、并发访问，以及各种意料之外的输入。',
      tech: true,
    },
    { text: '如果你刚接触{c}，建议先把{t}的基本概念弄扎实，再去研究{t2}这类进阶话题，不要急于求成。' },
    {
      text: '对比之前的方案，引入{t}之后，排查问题的时间缩短了将近一半。数据不会说谎，但也要注意样本是否足够。',
      tech: true,
    },
    { text: '从用户的角度看，{t}最打动人的往往不是参数或概念，而是日常使用中那些细小但确定的改进。' },
    {
      text: '当然也有冷静的声音：{t}的成本、门槛和可持续性，都还需要时间来检验。与{t2}放在一起比较，结论可能会更清楚。',
    },
    { text: '值得一提的是，{t}和{t2}经常被放在一起讨论，但它们关注的其实是不同层面的问题，混为一谈只会让决策更困难。' },
  ],
  en: [
    {
      text: 'Most tutorials show how to use {t} but rarely explain the trade-offs behind the design. Once those trade-offs are clear, {t2} starts to make a lot more sense too.',
    },
    {
      text: 'Our approach was to start with the smallest example that runs, then add the constraints of the real project one at a time. Every change stays visible, and problems are easy to pin down.',
      tech: true,
    },
    {
      text: 'In real projects the trouble with {t} is rarely the feature itself. It is the edge cases: empty data, timeouts, concurrent access and inputs nobody expected.',
      tech: true,
    },
    {
      text: 'If you are new to {c}, get comfortable with the basics of {t} first and leave topics like {t2} for later. There is no prize for rushing.',
    },
    {
      text: 'Compared with our previous setup, {t} cut the time we spend chasing problems roughly in half. Numbers do not lie, but check that your sample is large enough.',
      tech: true,
    },
    {
      text: "From a user's point of view, the most convincing thing about {t} is rarely a spec sheet; it is the small, reliable improvements in daily use.",
    },
    {
      text: 'There are sober voices too: the cost, the learning curve and the long-term future of {t} still need time to prove themselves. A side-by-side comparison with {t2} makes the picture clearer.',
    },
    {
      text: '{T} and {t2} are often discussed together, but they address different layers of the problem, and mixing them up only makes decisions harder.',
    },
  ],
};

const CLOSINGS: Record<DemoLanguage, Template[]> = {
  zh: [
    { text: '最后想说的是，选择没有标准答案。{t}适合我们，不代表适合所有团队，欢迎在评论区分享你的经验。' },
    { text: '文档写得再好，也替代不了亲手实验。建议读者照着示例改一改参数，观察{t}的行为变化。', tech: true },
    { text: '回头看，这次改造花了大约{n}周时间，{t}相关的问题少了很多，新同事上手也更快了。', tech: true },
    { text: '关于{t}就先聊到这里，下一篇会继续聊聊{t2}，感兴趣的话可以关注一下。' },
  ],
  en: [
    {
      text: 'There is no universal answer here. What worked for us with {t} may not fit every team, so please share your own experience in the comments.',
    },
    {
      text: 'No documentation replaces hands-on experiments. Change a few parameters in the example and watch what happens.',
      tech: true,
    },
    {
      text: 'Looking back, the change took about {n} weeks. Issues related to {t} dropped noticeably, and new teammates got up to speed faster.',
      tech: true,
    },
    { text: 'That is it for {t} for now. Next time I will look at {t2}, so stay tuned if that interests you.' },
  ],
};

const HEADINGS: Record<DemoLanguage, string[]> = {
  zh: ['为什么要关注{t}', '实践中的经验', '{t}的常见问题', '几点补充', '小结'],
  en: ['Why {t} matters', 'What we learned', 'Common questions', 'A few more notes', 'Wrapping up'],
};

const LIST_LEADS: Record<DemoLanguage, string> = {
  zh: '下面这几点是我认为最值得注意的地方，每一条都来自真实的经历：',
  en: 'Here are the points I consider most important, each one learned the hard way:',
};

const LIST_ITEMS: Record<DemoLanguage, string[]> = {
  zh: [
    '先弄清楚{t}要解决的问题',
    '从小范围试点开始，再逐步推广',
    '为关键路径补充监控和测试',
    '定期回顾，及时清理过时的做法',
    '把经验写进团队文档',
    '别忘了和{t2}放在一起比较',
  ],
  en: [
    'Be clear about the problem {t} should solve',
    'Start with a small pilot, then roll out',
    'Add monitoring and tests to the critical paths',
    'Review regularly and retire outdated habits',
    'Write the lessons down for the team',
    'Compare it with {t2} before deciding',
  ],
};

const CODE_LEADS: Record<DemoLanguage, string> = {
  zh: '下面是一个简化后的示例，核心思路都在里面：',
  en: 'Here is a trimmed-down example with the core idea:',
};

const TAGS_LABEL: Record<DemoLanguage, string> = { zh: '标签：', en: 'Tags: ' };

const CJK = '\\u3400-\\u9fff';
const LATIN_BEFORE_CJK = new RegExp(`([A-Za-z][A-Za-z0-9+#./]*)(?=[${CJK}])`, 'g');
const CJK_BEFORE_LATIN = new RegExp(`([${CJK}])(?=[A-Za-z])`, 'g');

/** Chinese typesetting convention: a space between Chinese characters and Latin words. */
export function spaceMixedText(text: string): string {
  return text.replace(LATIN_BEFORE_CJK, '$1 ').replace(CJK_BEFORE_LATIN, '$1 ');
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

interface Slots {
  t: string;
  t2: string;
  c: string;
  n: number;
}

function fill(template: string, slots: Slots, language: DemoLanguage): string {
  const text = template
    .replace(/\{T\}/g, capitalize(slots.t))
    .replace(/\{t2\}/g, slots.t2)
    .replace(/\{t\}/g, slots.t)
    .replace(/\{C\}/g, capitalize(slots.c))
    .replace(/\{c\}/g, slots.c)
    .replace(/\{n\}/g, String(slots.n));
  return language === 'zh' ? spaceMixedText(text) : capitalize(text);
}

const usable = (templates: Template[], channel: DemoChannel) => templates.filter((t) => channel.tech || !t.tech);

export interface GeneratedArticle {
  title: string;
  content: string;
  /** The topic word the article is about (appears in its title and body). */
  topic: string;
}

export interface ArticleTextOptions {
  random: Random;
  channel: DemoChannel;
  language: DemoLanguage;
  /** Titles already used in this channel; the new one is added. Repeats are avoided when possible. */
  usedTitles: Set<string>;
  /** Absolute URLs of stored images an article body may show. */
  imageUrls: readonly string[];
}

export function generateArticle(options: ArticleTextOptions): GeneratedArticle {
  const { random, channel, language, usedTitles } = options;
  const topics = language === 'zh' ? channel.zh : channel.en;
  const channelText = language === 'zh' ? channel.label : channel.english;
  const titleTemplates = usable(TITLES[language], channel);

  let title = '';
  let slots: Slots | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    const [t, t2] = pickDistinct(random, topics, 2) as [string, string];
    const candidate: Slots = { t, t2, c: channelText, n: intBetween(random, 3, 9) };
    const text = fill(pick(random, titleTemplates).text, candidate, language);
    if (text.length < TITLE_MIN || text.length > TITLE_MAX) continue;
    slots = candidate;
    title = text;
    if (!usedTitles.has(text)) break;
  }
  if (!slots) {
    // Every template was too long or short for the topics drawn: fall back to "<label> <topic>".
    const t = topics.find((word) => `${channel.label} ${word}`.length <= TITLE_MAX) ?? channel.label;
    slots = { t, t2: t, c: channelText, n: 3 };
    title = `${channel.label} ${t}`.padEnd(TITLE_MIN, '!').slice(0, TITLE_MAX);
  }
  usedTitles.add(title);

  const paragraph = (template: string) => `<p>${escapeHtml(fill(template, slots!, language))}</p>`;
  const blocks: string[] = [paragraph(pick(random, usable(INTROS[language], channel)).text)];

  // 3–6 paragraphs in all: intro, closing and tag line, plus up to three of: middle paragraphs,
  // a lead-in to a list, a lead-in to a code block.
  const withList = random() < 0.3;
  const withCode = channel.snippet !== undefined && random() < 0.4;
  const leads = (withList ? 1 : 0) + (withCode ? 1 : 0);
  const middles = pickDistinct(random, usable(MIDDLES[language], channel), intBetween(random, 0, 3 - leads));
  if (random() < 0.4) blocks.push(`<h2>${escapeHtml(fill(pick(random, HEADINGS[language]), slots, language))}</h2>`);
  for (const middle of middles) blocks.push(paragraph(middle.text));
  if (withList) {
    blocks.push(paragraph(LIST_LEADS[language]));
    const items = pickDistinct(random, LIST_ITEMS[language], intBetween(random, 3, 4));
    blocks.push(`<ul>${items.map((item) => `<li>${escapeHtml(fill(item, slots!, language))}</li>`).join('')}</ul>`);
  }
  if (withCode && channel.snippet) {
    blocks.push(paragraph(CODE_LEADS[language]));
    blocks.push(`<pre><code class="language-${channel.snippet.lang}">${escapeHtml(channel.snippet.code)}</code></pre>`);
  }
  if (options.imageUrls.length > 0 && random() < 0.25) {
    blocks.push(`<img src="${escapeHtml(pick(random, options.imageUrls))}" alt="${escapeHtml(slots.t)}">`);
  }
  blocks.push(paragraph(pick(random, usable(CLOSINGS[language], channel)).text));
  const tags = [channel.label, slots.t].filter((tag, i, all) => all.indexOf(tag) === i);
  blocks.push(`<p>${escapeHtml(TAGS_LABEL[language] + tags.join(' · '))}</p>`);

  return { title, content: blocks.join('\n'), topic: slots.t };
}
