/**
 * A generated corpus for the relevance tests: ~40 topical articles (Chinese, English, tech terms)
 * among 90 filler articles whose text shares no query word, so that every query term is rare
 * (meaningful IDF on all three engines) and each query has an unambiguous best answer.
 */
import type { SearchDocument } from '../../src/platform/search/index.js';

export const NOW = Date.UTC(2026, 5, 1, 4);
const DAY = 86_400_000;

const FILLER_SENTENCES = [
  '今天天气很好，我们一起去公园散步。',
  '周末和朋友喝咖啡，聊了很久。',
  '这部电影的配乐让人印象深刻。',
  '早晨的阳光照进窗台，心情格外舒畅。',
  '图书馆里很安静，适合读书写字。',
  '秋天的树叶变黄了，风一吹就落下来。',
  'The weather was mild and the river was calm.',
  'We walked along the harbour and watched the boats.',
  'A cup of tea in the afternoon keeps the mind clear.',
  '晚饭后散步是一种放松的方式。',
  '雨后的空气特别清新。',
  'Music in the evening, quiet streets at night.',
];

/** Deterministic pseudo-random numbers (the corpus must be the same on every run). */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function filler(random: () => number, sentences: number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) out.push(FILLER_SENTENCES[Math.floor(random() * FILLER_SENTENCES.length)]!);
  return out.join('');
}

interface Topic {
  key: string;
  title: string;
  body: string;
  ageDays?: number;
  popularity?: number;
  status?: number;
}

/** Keys name the documents in expectations; ids are derived from the position. */
const TOPICS: Topic[] = [
  { key: 'python-intro', title: 'Python 入门教程', body: '本文介绍 Python 的基础语法和数据类型，适合初学者。' },
  {
    key: 'ml-python',
    title: '机器学习实战：用 Python 训练模型',
    body: '机器学习的流程：准备数据、训练模型、评估效果。',
  },
  { key: 'languages', title: '编程语言漫谈', body: '有人喜欢 python，有人喜欢 java，也有人偏爱 golang。各有所长。' },
  { key: 'news', title: '每周技术新闻', body: 'python 3.13 发布，python 社区非常活跃。', ageDays: 0, popularity: 500 },
  { key: 'node', title: 'Node.js 异步编程指南', body: '在 node.js 中，事件循环驱动回调、promise 与 async/await。' },
  { key: 'cpp', title: 'C++ 模板元编程', body: 'c++ 的模板可以在编译期完成计算。' },
  { key: 'csharp', title: 'C# 与 .NET 开发', body: '使用 c# 编写 asp.net 应用。' },
  { key: 'html5', title: 'HTML5 新特性一览', body: 'html5 带来了 canvas、video 和语义化标签。' },
  { key: 'vue', title: 'Vue3.0 组合式 API 详解', body: 'vue3.0 的 setup、ref 与 reactive 让前端状态管理更清晰。' },
  { key: 'frontend', title: '前端工程化实践', body: '前端构建工具 webpack 与 vite 的工程化配置。' },
  { key: 'pku', title: '北京大学招生简章', body: '北京大学今年的本科招生计划公布。' },
  { key: 'beijing-travel', title: '北京旅游攻略', body: '北京的故宫、长城和颐和园值得一去。' },
  { key: 'shanghai-food', title: '上海美食推荐', body: '上海的小笼包、生煎和本帮菜都很有名。' },
  { key: 'deep-learning', title: '深度学习与神经网络', body: '深度学习依靠神经网络，卷积与反向传播是核心。' },
  { key: 'db-index', title: '数据库索引优化', body: '数据库索引使用 b+树，查询优化离不开它。' },
  { key: 'redis', title: 'Redis 缓存设计', body: 'redis 缓存的穿透、雪崩与击穿问题。' },
  { key: 'docker', title: 'Docker 容器入门', body: 'docker 镜像与容器，以及 kubernetes 编排。' },
  { key: 'blockchain', title: '区块链技术原理', body: '区块链依靠共识算法与哈希链。' },
  { key: 'ai', title: '人工智能的未来', body: '人工智能的发展离不开机器学习与深度学习。' },
  { key: 'js-closure', title: 'JavaScript 闭包详解', body: 'javascript 的闭包与作用域链。' },
  { key: 'java', title: 'Java 并发编程', body: 'java 的线程、锁与 synchronized 关键字。' },
  { key: 'go', title: 'Golang 协程调度', body: 'golang 的 goroutine 与 channel 让协程通信变得简单。' },
  { key: 'rust', title: 'Rust 所有权机制', body: 'rust 的所有权、借用与生命周期。' },
  { key: 'linux', title: 'Linux 常用命令', body: 'linux 下的 grep、awk、sed 命令。' },
  { key: 'git', title: 'Git 工作流', body: 'git 分支、合并与变基的最佳实践。' },
  { key: 'iphone', title: 'iPhone15 评测', body: 'iphone15 的影像系统和续航表现。' },
  { key: 'diet', title: '健康饮食指南', body: '健康饮食要多吃蔬菜水果，注意营养均衡。' },
  { key: 'worldcup', title: '足球世界杯回顾', body: '世界杯的冠军之路与经典比赛。' },
  { key: 'utf8', title: 'UTF-8 编码详解', body: 'utf-8 是 unicode 的一种变长编码方式。' },
  { key: 'ts', title: 'TypeScript 类型体操', body: 'typescript 的泛型与类型推断。' },
  { key: 'miniapp', title: '微信小程序开发入门', body: '小程序的页面结构与生命周期。' },
  // Equal text, different age: the newer ranks first.
  { key: 'k8s-new', title: 'Kubernetes 部署实践', body: 'kubernetes 集群的部署步骤与注意事项。', ageDays: 1 },
  { key: 'k8s-old', title: 'Kubernetes 部署实践', body: 'kubernetes 集群的部署步骤与注意事项。', ageDays: 200 },
  // Equal text and age, different popularity: the popular one ranks first.
  {
    key: 'flutter-popular',
    title: 'Flutter 跨平台开发',
    body: 'flutter 的组件树与状态管理。',
    ageDays: 10,
    popularity: 400,
  },
  {
    key: 'flutter-quiet',
    title: 'Flutter 跨平台开发',
    body: 'flutter 的组件树与状态管理。',
    ageDays: 10,
    popularity: 0,
  },
  // Not visible to the app (pending review): never in app results.
  { key: 'python-pending', title: 'Python 高级技巧（待审核）', body: 'python 装饰器与元类。', status: 1 },
];

export const FILLER_COUNT = 90;

export interface CorpusDocument extends SearchDocument {
  key: string;
}

export function generateCorpus(baseId = 1000n): CorpusDocument[] {
  const random = prng(20260601);
  const docs: CorpusDocument[] = [];
  TOPICS.forEach((topic, i) => {
    const age = topic.ageDays ?? 5 + (i % 7);
    docs.push({
      key: topic.key,
      id: baseId + BigInt(i),
      authorId: 7n,
      status: topic.status ?? 2,
      publishedAt: topic.status === 1 ? null : NOW - age * DAY,
      popularity: topic.popularity ?? 5,
      title: topic.title,
      // Filler around the topical sentence: realistic length, no query words.
      body: `${filler(random, 2)}${topic.body}${filler(random, 3)}`,
    });
  });
  for (let i = 0; i < FILLER_COUNT; i++) {
    docs.push({
      key: `filler-${i}`,
      id: baseId + 500n + BigInt(i),
      authorId: 8n,
      status: 2,
      publishedAt: NOW - (i % 30) * DAY,
      popularity: Math.floor(random() * 20),
      title: `随笔 第${i + 1}篇：${['晨光', '午后', '黄昏', '夜色', '雨天'][i % 5]}`,
      body: filler(random, 6),
    });
  }
  return docs;
}

/**
 * The relevance set: query → what must come first. `top` lists the keys expected in the first
 * positions (as a set when `unordered`), `includes` keys that must be among the hits, `excludes`
 * keys that must not be, `total` the exact hit count when it is fixed.
 */
export interface RelevanceCase {
  q: string;
  top: string[];
  unordered?: boolean;
  includes?: string[];
  excludes?: string[];
  total?: number;
  mode?: 'all' | 'any';
}

export const RELEVANCE_CASES: RelevanceCase[] = [
  // Title hits above body hits, whatever the body's freshness and popularity.
  {
    q: 'python',
    top: ['python-intro', 'ml-python'],
    unordered: true,
    includes: ['languages', 'news'],
    excludes: ['python-pending'],
    total: 4,
  },
  { q: 'Python 入门', top: ['python-intro'], total: 1 },
  { q: 'ＰＹＴＨＯＮ', top: ['python-intro', 'ml-python'], unordered: true, total: 4 },
  { q: '机器学习', top: ['ml-python'], includes: ['ai'], total: 2 },
  { q: 'node.js', top: ['node'], total: 1 },
  { q: 'node', top: ['node'], total: 1 },
  { q: 'C++', top: ['cpp'], excludes: ['csharp'], total: 1 },
  { q: 'c#', top: ['csharp'], excludes: ['cpp'], total: 1 },
  { q: 'html5', top: ['html5'], total: 1 },
  { q: 'HTML', top: ['html5'], total: 1 },
  { q: 'vue3.0', top: ['vue'], total: 1 },
  { q: '前端', top: ['frontend'], includes: ['vue'], total: 2 },
  { q: '北京大学', top: ['pku'], total: 1 },
  { q: '北京', top: ['pku', 'beijing-travel'], unordered: true, total: 2 },
  { q: '上海美食', top: ['shanghai-food'], total: 1 },
  { q: '深度学习', top: ['deep-learning'], includes: ['ai'], total: 2 },
  { q: '神经网络', top: ['deep-learning'], total: 1 },
  { q: '数据库 索引', top: ['db-index'], total: 1 },
  { q: 'Redis', top: ['redis'], total: 1 },
  { q: '缓存', top: ['redis'], total: 1 },
  { q: '容器', top: ['docker'], total: 1 },
  { q: '区块链', top: ['blockchain'], total: 1 },
  { q: '人工智能', top: ['ai'], total: 1 },
  { q: 'javascript', top: ['js-closure'], excludes: ['java'], total: 1 },
  { q: 'java', top: ['java'], includes: ['languages'], excludes: ['js-closure'], total: 2 },
  { q: 'golang', top: ['go'], includes: ['languages'], total: 2 },
  { q: 'rust', top: ['rust'], total: 1 },
  { q: 'linux 命令', top: ['linux'], total: 1 },
  { q: 'git', top: ['git'], total: 1 },
  { q: 'iphone', top: ['iphone'], total: 1 },
  { q: 'iPhone15', top: ['iphone'], total: 1 },
  { q: '健康饮食', top: ['diet'], total: 1 },
  { q: '世界杯', top: ['worldcup'], total: 1 },
  { q: 'utf-8', top: ['utf8'], total: 1 },
  { q: 'TypeScript', top: ['ts'], total: 1 },
  { q: '小程序', top: ['miniapp'], total: 1 },
  // Freshness and popularity order equal matches.
  { q: 'kubernetes', top: ['k8s-new', 'k8s-old'], includes: ['docker'], total: 3 },
  { q: 'flutter', top: ['flutter-popular', 'flutter-quiet'], total: 2 },
  // AND across title and body.
  { q: 'python java', top: ['languages'], total: 1 },
  // Nothing has both: documents with either are listed.
  { q: 'python 区块链', top: [], includes: ['blockchain', 'python-intro'], mode: 'any' },
  { q: '量子纠缠', top: [], total: 0 },
];
