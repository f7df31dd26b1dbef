/**
 * The admins' edits of the channel catalogue (issue 15): create, rename, reorder, hide or show,
 * set or unset as a default. Each edit and its audit entry commit together; then the catalogue
 * caches are dropped (`invalidateCatalog`: this process's near copy and the shared kv keys), so
 * the next A31/A28 read anywhere loads the new list (other processes' one-second near copies
 * expire on their own).
 */
import type { Db } from '../../platform/db/database.js';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import { AppError, invalidField, notFound } from '../../platform/http/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ChannelAdminRepository, ChannelChanges } from './channel-admin.repository.js';
import type { ChannelRow } from './channel.tables.js';
import { MAX_SEQUENCE } from './channel.service.js';

export const CHANNEL_NAME_MAX = 20;

export interface ChannelDraft {
  name: string;
  sequence?: number;
  visible?: boolean;
  isDefault?: boolean;
}

export interface ChannelEdit {
  name?: string;
  sequence?: number;
  visible?: boolean;
  isDefault?: boolean;
  /** One place earlier or later in the readers' order (the whole order is then renumbered 1, 2, …). */
  move?: 'up' | 'down';
}

const nameTaken = () => new AppError('conflict', { name: 'another channel has this name' });

/** A name as stored: trimmed, 1–20 characters (code points), no control characters. */
export function channelName(value: string): string {
  const name = value.trim();
  const length = [...name].length;
  if (length < 1 || length > CHANNEL_NAME_MAX) {
    throw invalidField('name', `must be 1–${CHANNEL_NAME_MAX} characters`);
  }
  // eslint-disable-next-line no-control-regex -- that is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalidField('name', 'must not contain control characters');
  return name;
}

function sequenceOf(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEQUENCE) {
    throw invalidField('sequence', `must be an integer from 0 to ${MAX_SEQUENCE}`);
  }
  return value;
}

/** What the audit log keeps of a channel. */
const snapshot = (row: ChannelRow) => ({
  name: row.name,
  sequence: row.sequence,
  visible: row.is_visible === 1,
  isDefault: row.is_default === 1,
});

export function createChannelAdminService(deps: {
  db: Db;
  repository: ChannelAdminRepository;
  audit: AuditService;
  invalidateCatalog: () => Promise<void>;
  now: () => number;
}) {
  const { db, repository, audit, invalidateCatalog, now } = deps;

  /** Runs `work` in a transaction; a unique violation on the name (a racing twin) is the name's 409. */
  async function write<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
  }

  return {
    /** Every channel, hidden ones too, in the readers' order; `more` when a next page exists. */
    async list(offset: number, perPage: number): Promise<{ rows: ChannelRow[]; more: boolean }> {
      const rows = await repository.list(offset, perPage);
      const more = rows.length > perPage;
      if (more) rows.length = perPage;
      return { rows, more };
    },

    find: (id: bigint) => repository.find(id),

    /** A new channel, last in the order unless a sequence is given; visible, not a default, unless told. */
    async create(actorId: bigint, draft: ChannelDraft): Promise<ChannelRow> {
      const name = channelName(draft.name);
      const sequence = draft.sequence === undefined ? undefined : sequenceOf(draft.sequence);
      if (await repository.nameTaken(name)) throw nameTaken();
      const at = now();
      const row = await write(async (trx) => {
        const order = await repository.orderedIds(trx);
        const last = order.length === 0 ? undefined : await repository.find(order[order.length - 1]!, trx);
        const created: ChannelRow = {
          id: await repository.nextId(trx),
          name,
          sequence: sequence ?? Math.min((last?.sequence ?? 0) + 1, MAX_SEQUENCE),
          is_visible: draft.visible === false ? 0 : 1,
          is_default: draft.isDefault ? 1 : 0,
          created_at: at,
          updated_at: at,
        };
        await repository.insert(created, trx);
        await audit.record(
          { actorId, action: 'channel.create', targetType: 'channel', targetId: created.id, after: snapshot(created) },
          trx,
        );
        return created;
      });
      await invalidateCatalog();
      return row;
    },

    /** Changes what `edit` names; a no-op edit changes nothing and logs nothing. 404 for an unknown channel. */
    async update(actorId: bigint, id: bigint, edit: ChannelEdit): Promise<ChannelRow> {
      const changes: ChannelChanges = {};
      if (edit.name !== undefined) changes.name = channelName(edit.name);
      if (edit.sequence !== undefined) changes.sequence = sequenceOf(edit.sequence);
      if (edit.visible !== undefined) changes.is_visible = edit.visible ? 1 : 0;
      if (edit.isDefault !== undefined) changes.is_default = edit.isDefault ? 1 : 0;
      const current = await repository.find(id);
      if (!current) throw notFound('Unknown channel.');
      if (changes.name !== undefined && changes.name !== current.name && (await repository.nameTaken(changes.name, id)))
        throw nameTaken();

      const at = now();
      const updated = await write(async (trx) => {
        const before = await repository.find(id, trx);
        if (!before) throw notFound('Unknown channel.');
        if (Object.keys(changes).length > 0) await repository.update(id, changes, at, trx);
        if (edit.move !== undefined) {
          const order = await repository.orderedIds(trx);
          const from = order.indexOf(id);
          const to = edit.move === 'up' ? from - 1 : from + 1;
          if (to >= 0 && to < order.length) {
            [order[from], order[to]] = [order[to]!, order[from]!];
            await repository.renumber(order, at, trx);
          }
        }
        const after = (await repository.find(id, trx))!;
        const was = snapshot(before);
        const is = snapshot(after);
        const changed = (Object.keys(is) as (keyof typeof is)[]).filter((key) => was[key] !== is[key]);
        if (changed.length > 0) {
          await audit.record(
            {
              actorId,
              action: 'channel.update',
              targetType: 'channel',
              targetId: id,
              before: Object.fromEntries(changed.map((key) => [key, was[key]])),
              after: Object.fromEntries(changed.map((key) => [key, is[key]])),
            },
            trx,
          );
        }
        return after;
      });
      await invalidateCatalog();
      return updated;
    },
  };
}

export type ChannelAdminService = ReturnType<typeof createChannelAdminService>;
