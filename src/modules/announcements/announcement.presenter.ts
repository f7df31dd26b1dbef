import type { PresenterContext } from '../../platform/presenter.js';
import type { AnnouncementRow, AnnouncementSummaryRow } from './announcement.repository.js';

export function presentSummary(present: PresenterContext, row: AnnouncementSummaryRow) {
  return { id: row.id, title: row.title, pubdate: present.time.iso(row.published_at) };
}

export function presentAnnouncement(present: PresenterContext, row: AnnouncementRow) {
  return { id: row.id, title: row.title, content: row.content, pubdate: present.time.iso(row.published_at) };
}
