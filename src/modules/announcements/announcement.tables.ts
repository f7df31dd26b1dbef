/**
 * System announcements (migration 0003-community).
 * Declared by augmenting the platform's `Database`, so the feature owns its tables.
 */

export interface AnnouncementsTable {
  id: bigint;
  title: string;
  content: string;
  published_at: number;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    announcements: AnnouncementsTable;
  }
}
