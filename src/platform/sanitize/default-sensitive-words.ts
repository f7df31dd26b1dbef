/**
 * The word list shipped for the demo: a few obvious placeholders so that the review flow can be
 * seen working (write one of these into a title or an article and it waits for a moderator under
 * the auto policy). A real site passes its own list (`words` or a `file`, one word per line).
 */
export const DEFAULT_SENSITIVE_WORDS: readonly string[] = [
  '敏感词',
  '违禁词',
  '违禁品',
  '代开发票',
  '赌博网站',
  '枪支弹药',
  '办证刻章',
  'sensitiveword',
  'forbidden-word',
  'online casino',
  'buy followers',
];
