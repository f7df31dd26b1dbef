import type { Db } from '../../platform/db/database.js';
import { isUniqueViolation } from '../../platform/db/dialect.js';
import type { NewUser, UserRow, UserUpdate } from './user.tables.js';

/** Tries for a free default name; each after the first is random, so running out means a bug. */
const NAME_ATTEMPTS = 8;

export const UserStatus = { disabled: 0, active: 1 } as const;

export function createUserRepository(db: Db) {
  return {
    findById(id: bigint): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },

    findByMobile(mobile: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('mobile', '=', mobile).executeTakeFirst();
    },

    /** Sign-in by username or email (case-insensitive: both are stored lower-cased). */
    findByLogin(login: string): Promise<UserRow | undefined> {
      const value = login.toLowerCase();
      return db
        .selectFrom('users')
        .selectAll()
        .where((eb) => eb.or([eb('username', '=', value), eb('email', '=', value)]))
        .executeTakeFirst();
    },

    /** What token and role checks need: is the account active, is it a verified author, its role. */
    access(id: bigint): Promise<Pick<UserRow, 'status' | 'verified' | 'role'> | undefined> {
      return db.selectFrom('users').select(['status', 'verified', 'role']).where('id', '=', id).executeTakeFirst();
    },

    async insert(user: NewUser): Promise<void> {
      await db.insertInto('users').values(user).execute();
    },

    /**
     * Inserts a new user named `nameFor(attempt)`, moving on to the next attempt while the unique
     * index on `name` refuses one. Any other violation (the mobile, username or email taken by a
     * concurrent registration) is thrown for the caller to resolve. Returns the name written.
     */
    async insertNamed(user: Omit<NewUser, 'name'>, nameFor: (attempt: number) => string): Promise<string> {
      for (let attempt = 0; ; attempt++) {
        const name = nameFor(attempt);
        try {
          await db
            .insertInto('users')
            .values({ ...user, name })
            .execute();
          return name;
        } catch (error) {
          if (!isUniqueViolation(error) || attempt + 1 >= NAME_ATTEMPTS) throw error;
          const column = violatedUserColumn(error);
          const nameClash =
            column === 'name' ||
            (column === undefined &&
              (await db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst()) !== undefined);
          if (!nameClash) throw error;
        }
      }
    },

    async update(id: bigint, changes: UserUpdate): Promise<void> {
      await db.updateTable('users').set(changes).where('id', '=', id).execute();
    },

    /** Whether another user already has this display name (the unique index has the last word). */
    async nameTaken(name: string, exceptId: bigint): Promise<boolean> {
      const row = await db
        .selectFrom('users')
        .select('id')
        .where('name', '=', name)
        .where('id', '!=', exceptId)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Whether another user already has this (lower-cased) email. */
    async emailTaken(email: string, exceptId: bigint): Promise<boolean> {
      const row = await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .where('id', '!=', exceptId)
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Compare-and-set of a user's password (and, when binding an account, username and email):
     * writes only while `password_hash` is still `expected` (null: none yet), so two concurrent
     * registrations or password changes cannot both win. False when another write got there first.
     */
    async setCredentials(
      id: bigint,
      expected: string | null,
      changes: { password_hash: string; username?: string; email?: string; updated_at: number },
    ): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set(changes)
        .where('id', '=', id)
        .where('password_hash', expected === null ? 'is' : '=', expected)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

/**
 * The users column whose unique index a write violated, from the driver's error: SQLite
 * `UNIQUE constraint failed: users.name`, PostgreSQL constraint `users_name_key`, MySQL
 * `Duplicate entry '…' for key 'users.name'` (or `'name'` before 8.0). Undefined when unknown.
 */
export function violatedUserColumn(error: unknown): string | undefined {
  const e = error as { constraint?: unknown; message?: unknown; sqlMessage?: unknown } | null;
  if (!e) return undefined;
  if (typeof e.constraint === 'string') {
    const match = /^users_(\w+?)_(?:key|unique)$/.exec(e.constraint);
    if (match) return match[1];
  }
  const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : typeof e.message === 'string' ? e.message : '';
  const sqlite = /UNIQUE constraint failed: users\.(\w+)/.exec(message);
  if (sqlite) return sqlite[1];
  const mysql = /for key '(?:users\.)?(\w+?)(?:_unique)?'$/.exec(message);
  if (mysql) return mysql[1];
  return undefined;
}
