/**
 * Demo announcements for a fresh install: small fixed ids (as the original's seed data had), so
 * running the seed again adds nothing. Called by the demo seed; written for this project.
 */
import type { Platform } from '../../platform/platform.js';
import { createAnnouncementRepository, type NewAnnouncement } from './announcement.repository.js';
import { itemKey, VERSION_KEY } from './announcement.service.js';

const DAY = 86_400_000;

const DEMO: { id: bigint; daysAgo: number; title: string; content: string }[] = [
  {
    id: 1n,
    daysAgo: 20,
    title: '欢迎来到 Inkstone 社区',
    content:
      '<p>Inkstone 是一个可以自行部署的资讯与博客社区。你可以在首页按频道浏览文章，在“我的”页面管理频道、收藏和阅读历史。</p>' +
      '<p>Welcome! Browse articles by channel on the home page, and manage your channels, collections and history under “Me”.</p>',
  },
  {
    id: 2n,
    daysAgo: 9,
    title: '社区公约（试行）',
    content:
      '<p>请友善交流：对事不对人，不发布广告与违法内容，转载请注明出处。违反公约的内容会被隐藏，多次违反的账号会被限制发言。</p>' +
      '<p>Be kind, stay on topic, credit your sources. Content that breaks these rules is hidden.</p>',
  },
  {
    id: 3n,
    daysAgo: 2,
    title: '频道编辑功能上线',
    content:
      '<p>现在可以在首页右上角编辑自己的频道：添加感兴趣的频道，长按拖动调整顺序，不需要的频道可以随时删除。“推荐”频道始终保留在第一位。</p>',
  },
];

/** Inserts the demo announcements that are not there yet; returns how many were added. */
export async function seedDemoAnnouncements(
  platform: Pick<Platform, 'db' | 'clock' | 'kv' | 'cache'>,
): Promise<number> {
  const now = platform.clock.now();
  const rows: NewAnnouncement[] = DEMO.map((a) => ({
    id: a.id,
    title: a.title,
    content: a.content,
    published_at: now - a.daysAgo * DAY,
    created_at: now - a.daysAgo * DAY,
  }));
  const inserted = await createAnnouncementRepository(platform.db).insertMissing(rows);
  if (inserted > 0) {
    // Same invalidation as publishing: cached pages and any negative entries for these ids go.
    await platform.kv.incr(VERSION_KEY);
    await platform.cache.invalidate(...rows.map((row) => itemKey(row.id)));
  }
  return inserted;
}
