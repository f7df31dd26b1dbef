/**
 * The course's channel list with the topic vocabulary the demo articles are generated from.
 * Ids are the small fixed ones the apps were built against; the virtual 推荐 channel (id 0) is
 * not a row. All wording here was written for this project.
 */

export interface DemoSnippet {
  /** For `class="language-…"` on the code block. */
  lang: string;
  code: string;
}

export interface DemoChannel {
  id: number;
  /** Stored channel name, exactly as the apps show it. */
  name: string;
  /** How the name reads inside a sentence ("HTML" for html); the same as name for Chinese names. */
  label: string;
  /** The channel's subject in an English sentence. */
  english: string;
  /** Programming channels get code snippets and hands-on phrasing. */
  tech: boolean;
  /** Topic words for Chinese articles (may contain Latin proper nouns). */
  zh: readonly string[];
  /** Topic words for English articles. */
  en: readonly string[];
  snippet?: DemoSnippet;
}

export const DEMO_CHANNELS: readonly DemoChannel[] = [
  {
    id: 1,
    name: 'html',
    label: 'HTML',
    english: 'HTML',
    tech: true,
    zh: ['语义化标签', '表单校验', 'Canvas', 'SVG', '无障碍访问', 'meta 标签', 'Web Components', '本地存储', '拖放 API', 'HTML5'],
    en: ['semantic HTML', 'HTML forms', 'Canvas', 'SVG', 'accessibility', 'Web Components', 'meta tags', 'the dialog element'],
    snippet: {
      lang: 'html',
      code: '<dialog id="saved">\n  <form method="dialog">\n    <p>Saved!</p>\n    <button>Close</button>\n  </form>\n</dialog>',
    },
  },
  {
    id: 2,
    name: '开发者资讯',
    label: '开发者资讯',
    english: 'developer news',
    tech: false,
    zh: ['开源社区', '版本发布', '开发者大会', 'GitHub', '编程语言排行', '技术招聘', '远程办公', '开源协议'],
    en: ['open source', 'release notes', 'developer conferences', 'GitHub', 'language rankings', 'tech hiring', 'remote work', 'licenses'],
  },
  {
    id: 4,
    name: 'c++',
    label: 'C++',
    english: 'C++',
    tech: true,
    zh: ['智能指针', '模板元编程', 'STL 容器', '移动语义', 'RAII', '内存管理', 'C++20 协程', '虚函数表', 'constexpr'],
    en: ['smart pointers', 'C++ templates', 'move semantics', 'RAII', 'STL containers', 'C++20 modules', 'constexpr', 'undefined behavior'],
    snippet: {
      lang: 'cpp',
      code: '#include <memory>\n#include <vector>\n\nint main() {\n  auto items = std::make_unique<std::vector<int>>();\n  items->push_back(42);\n  return items->size() == 1 ? 0 : 1;\n}',
    },
  },
  {
    id: 6,
    name: 'css',
    label: 'CSS',
    english: 'CSS',
    tech: true,
    zh: ['Flex 布局', 'CSS Grid', '选择器优先级', 'BFC', 'CSS 动画', '响应式设计', 'CSS 变量', '层叠上下文', '媒体查询', '伪元素'],
    en: ['Flexbox', 'CSS Grid', 'specificity', 'custom properties', 'container queries', 'CSS animations', 'responsive design', 'stacking contexts'],
    snippet: {
      lang: 'css',
      code: '.cards {\n  display: grid;\n  grid-template-columns: repeat(auto-fill, minmax(160px, 1fr));\n  gap: 12px;\n}',
    },
  },
  {
    id: 7,
    name: '数据库',
    label: '数据库',
    english: 'databases',
    tech: true,
    zh: ['索引优化', '事务隔离', 'MySQL', 'PostgreSQL', '分库分表', '慢查询', '执行计划', 'Redis 缓存', '主从复制', '死锁'],
    en: ['database indexes', 'transactions', 'MySQL', 'PostgreSQL', 'query plans', 'replication', 'sharding', 'Redis', 'deadlocks'],
    snippet: {
      lang: 'sql',
      code: 'CREATE INDEX idx_orders_user_time ON orders (user_id, created_at);\n\nEXPLAIN SELECT id, total FROM orders\nWHERE user_id = 42\nORDER BY created_at DESC\nLIMIT 20;',
    },
  },
  {
    id: 8,
    name: '区块链',
    label: '区块链',
    english: 'blockchain',
    tech: true,
    zh: ['智能合约', '共识机制', '以太坊', '默克尔树', '数字钱包', '零知识证明', 'Solidity', '跨链桥', '公链'],
    en: ['smart contracts', 'consensus', 'Ethereum', 'Merkle trees', 'crypto wallets', 'zero-knowledge proofs', 'Solidity', 'layer 2'],
    snippet: {
      lang: 'solidity',
      code: 'pragma solidity ^0.8.20;\n\ncontract Counter {\n    uint256 public count;\n\n    function increment() external {\n        count += 1;\n    }\n}',
    },
  },
  {
    id: 9,
    name: 'go',
    label: 'Go',
    english: 'Go',
    tech: true,
    zh: ['goroutine', 'Go channel', 'Go 并发模型', 'Go 模块', 'Go 接口', 'Go 泛型', 'Go 错误处理', 'pprof', 'Gin 框架', 'context 包'],
    en: ['goroutines', 'Go channels', 'Go modules', 'Go interfaces', 'Go generics', 'error handling in Go', 'pprof', 'the context package'],
    snippet: {
      lang: 'go',
      code: 'results := make(chan int)\nfor i := 0; i < 3; i++ {\n\tgo func(n int) { results <- n * n }(i)\n}\nsum := 0\nfor i := 0; i < 3; i++ {\n\tsum += <-results\n}',
    },
  },
  {
    id: 10,
    name: '产品',
    label: '产品',
    english: 'product management',
    tech: false,
    zh: ['需求分析', '用户画像', '原型设计', '产品经理', '数据埋点', 'A/B 测试', 'MVP', '用户增长', '竞品分析'],
    en: ['product managers', 'user research', 'prototypes', 'A/B testing', 'MVPs', 'user growth', 'roadmaps', 'user personas'],
  },
  {
    id: 11,
    name: '后端',
    label: '后端',
    english: 'backend development',
    tech: true,
    zh: ['微服务', '消息队列', '接口设计', '缓存策略', '限流', '分布式锁', 'RESTful API', '鉴权', '日志系统', 'Node.js 服务'],
    en: ['microservices', 'message queues', 'API design', 'caching', 'rate limiting', 'distributed locks', 'REST APIs', 'authentication'],
    snippet: {
      lang: 'ts',
      code: "app.get('/api/orders/:id', async (req, reply) => {\n  const order = await cache.wrap(`order:${req.params.id}`, () => db.findOrder(req.params.id));\n  return order ?? reply.code(404).send({ message: 'not found' });\n});",
    },
  },
  {
    id: 12,
    name: 'linux',
    label: 'Linux',
    english: 'Linux',
    tech: true,
    zh: ['Shell 脚本', '文件权限', 'systemd', '进程管理', '内核参数', '包管理器', '定时任务', 'SSH', '日志排查'],
    en: ['shell scripts', 'file permissions', 'systemd', 'Linux processes', 'kernel tuning', 'cron jobs', 'SSH', 'package managers'],
    snippet: {
      lang: 'bash',
      code: "#!/usr/bin/env bash\nset -euo pipefail\n\nfind /var/log/app -name '*.log' -mtime +7 -print -delete\nsystemctl status nginx --no-pager",
    },
  },
  {
    id: 13,
    name: '人工智能',
    label: '人工智能',
    english: 'AI',
    tech: true,
    zh: ['大语言模型', '神经网络', '机器学习', '深度学习', 'Transformer', '提示词工程', '模型微调', '计算机视觉', '向量检索'],
    en: ['large language models', 'neural networks', 'machine learning', 'deep learning', 'Transformers', 'prompt engineering', 'fine-tuning', 'embeddings'],
    snippet: {
      lang: 'python',
      code: 'import numpy as np\n\ndef softmax(x):\n    e = np.exp(x - x.max())\n    return e / e.sum()\n\nprint(softmax(np.array([1.0, 2.0, 3.0])))',
    },
  },
  {
    id: 14,
    name: 'php',
    label: 'PHP',
    english: 'PHP',
    tech: true,
    zh: ['Laravel', 'Composer', 'PHP 8', '命名空间', 'PSR 规范', 'PHP 性能调优', 'Swoole', '类型声明', 'OPcache'],
    en: ['Laravel', 'Composer', 'PHP 8', 'PHP namespaces', 'PSR standards', 'Swoole', 'type declarations', 'OPcache'],
    snippet: {
      lang: 'php',
      code: "<?php\ndeclare(strict_types=1);\n\nfunction slugify(string $title): string\n{\n    return strtolower(trim(preg_replace('/[^a-z0-9]+/i', '-', $title), '-'));\n}",
    },
  },
  {
    id: 15,
    name: 'javascript',
    label: 'JavaScript',
    english: 'JavaScript',
    tech: true,
    zh: ['闭包', '原型链', '事件循环', 'Promise', 'async/await', 'this 指向', '作用域', '防抖节流', '深拷贝', 'ES6 新特性'],
    en: ['closures', 'prototypes', 'the event loop', 'Promises', 'async/await', 'scope', 'debouncing', 'destructuring'],
    snippet: {
      lang: 'js',
      code: 'function debounce(fn, wait) {\n  let timer;\n  return (...args) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), wait);\n  };\n}',
    },
  },
  {
    id: 16,
    name: '架构',
    label: '架构',
    english: 'software architecture',
    tech: true,
    zh: ['高可用', '领域驱动设计', '分布式系统', '服务治理', '架构演进', '容量规划', '可观测性', '事件驱动', '单体拆分'],
    en: ['high availability', 'domain-driven design', 'distributed systems', 'event-driven design', 'observability', 'scalability', 'service meshes', 'monoliths'],
    snippet: {
      lang: 'yaml',
      code: 'retry:\n  maxAttempts: 3\n  backoff: exponential\ncircuitBreaker:\n  failureRateThreshold: 50\n  waitDurationInOpenState: 30s',
    },
  },
  {
    id: 17,
    name: '前端',
    label: '前端',
    english: 'frontend development',
    tech: true,
    zh: ['Vue', 'React', '构建工具', 'Vite', '组件化', '状态管理', '前端性能优化', '移动端适配', 'TypeScript', '微前端'],
    en: ['Vue', 'React', 'Vite', 'build tools', 'components', 'state management', 'web performance', 'micro frontends'],
    snippet: {
      lang: 'js',
      code: "import { ref, computed } from 'vue';\n\nconst count = ref(0);\nconst double = computed(() => count.value * 2);\n\nfunction increment() {\n  count.value++;\n}",
    },
  },
  {
    id: 18,
    name: 'python',
    label: 'Python',
    english: 'Python',
    tech: true,
    zh: ['装饰器', '生成器', 'asyncio', 'Django', 'pandas', '类型注解', '虚拟环境', '爬虫', 'FastAPI', '列表推导式'],
    en: ['decorators', 'generators', 'asyncio', 'Django', 'pandas', 'type hints', 'virtual environments', 'FastAPI', 'list comprehensions'],
    snippet: {
      lang: 'python',
      code: 'from functools import wraps\nimport time\n\ndef timed(fn):\n    @wraps(fn)\n    def wrapper(*args, **kwargs):\n        start = time.perf_counter()\n        try:\n            return fn(*args, **kwargs)\n        finally:\n            print(f"{fn.__name__}: {time.perf_counter() - start:.3f}s")\n    return wrapper',
    },
  },
  {
    id: 19,
    name: 'java',
    label: 'Java',
    english: 'Java',
    tech: true,
    zh: ['JVM', 'Spring Boot', '垃圾回收', '并发编程', '线程池', '集合框架', 'Stream API', 'MyBatis', '类加载机制'],
    en: ['the JVM', 'Spring Boot', 'garbage collection', 'Java concurrency', 'thread pools', 'Java collections', 'the Stream API', 'Java records'],
    snippet: {
      lang: 'java',
      code: 'ExecutorService pool = Executors.newFixedThreadPool(4);\nList<Future<Integer>> futures = IntStream.range(0, 8)\n    .mapToObj(i -> pool.submit(() -> i * i))\n    .toList();\npool.shutdown();',
    },
  },
  {
    id: 20,
    name: '算法',
    label: '算法',
    english: 'algorithms',
    tech: true,
    zh: ['动态规划', '二分查找', '排序算法', '图论', '贪心算法', '回溯', '哈希表', '时间复杂度', '链表', '二叉树'],
    en: ['dynamic programming', 'binary search', 'sorting', 'graph algorithms', 'greedy algorithms', 'backtracking', 'hash tables', 'binary trees'],
    snippet: {
      lang: 'js',
      code: 'function lowerBound(sorted, target) {\n  let lo = 0;\n  let hi = sorted.length;\n  while (lo < hi) {\n    const mid = (lo + hi) >> 1;\n    if (sorted[mid] < target) lo = mid + 1;\n    else hi = mid;\n  }\n  return lo;\n}',
    },
  },
  {
    id: 21,
    name: '面试',
    label: '面试',
    english: 'job interviews',
    tech: false,
    zh: ['面试题', '简历', '技术面试', '手写代码', '系统设计面试', '薪资谈判', '跳槽', '面试复盘'],
    en: ['interviews', 'resumes', 'coding interviews', 'system design interviews', 'salary negotiation', 'job offers', 'whiteboard coding'],
  },
  {
    id: 22,
    name: '科技动态',
    label: '科技动态',
    english: 'tech news',
    tech: false,
    zh: ['芯片', '5G', '新能源汽车', '云计算', '自动驾驶', '量子计算', '卫星互联网', '智能手机', 'AI 大模型'],
    en: ['chips', '5G', 'electric vehicles', 'cloud computing', 'self-driving cars', 'quantum computing', 'satellite internet', 'smartphones'],
  },
  {
    id: 23,
    name: 'js',
    label: 'JS',
    english: 'JS',
    tech: true,
    zh: ['Node.js', 'npm', 'ES 模块', 'TypeScript', 'Deno', 'JS 打包', '正则表达式', 'JSON', 'Web Worker'],
    en: ['Node.js', 'npm', 'ES modules', 'TypeScript', 'Deno', 'JS bundlers', 'regular expressions', 'Web Workers'],
    snippet: {
      lang: 'js',
      code: "import { readFile } from 'node:fs/promises';\n\nconst pkg = JSON.parse(await readFile('package.json', 'utf8'));\nconsole.log(`${pkg.name}@${pkg.version}`);",
    },
  },
  {
    id: 24,
    name: '设计',
    label: '设计',
    english: 'design',
    tech: false,
    zh: ['配色', '排版', '设计系统', '交互设计', 'Figma', '图标设计', '用户体验', '动效设计', '栅格系统'],
    en: ['color palettes', 'typography', 'design systems', 'interaction design', 'Figma', 'icon design', 'UX', 'motion design'],
  },
  {
    id: 25,
    name: '数码产品',
    label: '数码产品',
    english: 'gadgets',
    tech: false,
    zh: ['手机', '笔记本电脑', '机械键盘', '降噪耳机', '显示器', '平板电脑', '智能手表', '相机'],
    en: ['phones', 'laptops', 'mechanical keyboards', 'headphones', 'monitors', 'tablets', 'smartwatches', 'cameras'],
  },
  {
    id: 26,
    name: '软件测试',
    label: '软件测试',
    english: 'software testing',
    tech: true,
    zh: ['单元测试', '自动化测试', '接口测试', '性能测试', '测试用例', '持续集成', 'Mock', '覆盖率', 'E2E 测试'],
    en: ['unit tests', 'test automation', 'API testing', 'load testing', 'test cases', 'continuous integration', 'mocks', 'code coverage'],
    snippet: {
      lang: 'ts',
      code: "import { describe, expect, it } from 'vitest';\nimport { add } from './math';\n\ndescribe('add', () => {\n  it('adds two numbers', () => {\n    expect(add(2, 3)).toBe(5);\n  });\n});",
    },
  },
];

/** How many channels are in a new user's default list (the first ones by sequence). */
export const DEFAULT_CHANNEL_COUNT = 8;

/** Every word that marks an article as belonging to `channel` (for checks and search tests). */
export function channelWords(channel: DemoChannel): string[] {
  return [channel.name, channel.label, ...channel.zh, ...channel.en];
}
