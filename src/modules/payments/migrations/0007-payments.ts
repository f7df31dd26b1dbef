import type { Kysely } from 'kysely';
import { tableSuffix } from '../../../platform/db/dialect.js';

/** The payments feature's tables (see ../payment.tables.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('payment_orders')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('buyer_id', 'bigint', (c) => c.notNull())
    .addColumn('author_id', 'bigint', (c) => c.notNull())
    .addColumn('article_id', 'bigint')
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('fee_cents', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('channel', 'varchar(8)', (c) => c.notNull())
    .addColumn('provider', 'varchar(16)', (c) => c.notNull())
    .addColumn('provider_trade_no', 'varchar(64)')
    .addColumn('subject', 'varchar(256)', (c) => c.notNull())
    .addColumn('pending_key', 'varchar(64)', (c) => c.unique())
    .addColumn('refund_reserved_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('paid_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .modifyEnd(tableSuffix(db))
    .execute();
  // "My orders", newest first.
  await db.schema
    .createIndex('payment_orders_buyer')
    .on('payment_orders')
    .columns(['buyer_id', 'created_at'])
    .execute();
  // Has this reader bought this article (article detail, every read of paid content).
  await db.schema
    .createIndex('payment_orders_purchase')
    .on('payment_orders')
    .columns(['buyer_id', 'article_id', 'status'])
    .execute();
  // Reconciliation: pending orders, oldest first.
  await db.schema.createIndex('payment_orders_status').on('payment_orders').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('payment_orders_author').on('payment_orders').columns(['author_id', 'status']).execute();

  await db.schema
    .createTable('payment_refunds')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('order_id', 'bigint', (c) => c.notNull())
    .addColumn('request_no', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('admin_id', 'bigint', (c) => c.notNull())
    .addColumn('failure_reason', 'varchar(128)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema.createIndex('payment_refunds_order').on('payment_refunds').columns(['order_id']).execute();
  await db.schema
    .createIndex('payment_refunds_status')
    .on('payment_refunds')
    .columns(['status', 'created_at'])
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('order_id', 'bigint', (c) => c.notNull())
    .addColumn('refund_id', 'bigint')
    .addColumn('event_key', 'varchar(40)', (c) => c.notNull())
    .addColumn('account', 'varchar(16)', (c) => c.notNull())
    .addColumn('user_id', 'bigint')
    .addColumn('direction', 'varchar(8)', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('ledger_entries_event', ['order_id', 'event_key', 'account'])
    .modifyEnd(tableSuffix(db))
    .execute();
  // An author's earnings: summary and entries, newest first.
  await db.schema
    .createIndex('ledger_entries_account')
    .on('ledger_entries')
    .columns(['account', 'user_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('payment_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('provider', 'varchar(16)', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(40)', (c) => c.notNull())
    .addColumn('order_ref', 'varchar(64)')
    .addColumn('detail', 'varchar(1024)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .modifyEnd(tableSuffix(db))
    .execute();
  await db.schema.createIndex('payment_events_time').on('payment_events').columns(['created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('payment_events').execute();
  await db.schema.dropTable('ledger_entries').execute();
  await db.schema.dropTable('payment_refunds').execute();
  await db.schema.dropTable('payment_orders').execute();
}
