/**
 * Every query module of the app with sample calls for each of its methods: the input of the SQL
 * snapshots (scripts/sql-snapshots.ts). A method the factory returns but this file does not list
 * fails the generator (and the typecheck), so no query reaches production unreviewed.
 *
 * Sample values are obviously fake (ids 1n, 2n…, time T). A method gets one case per SQL shape
 * worth reviewing: arguments that add or drop clauses, and, through scripted `answers`, the path
 * past a compare-and-set or a read (the ledger entries written once an order is won, say).
 */
import type { Db } from '../src/platform/db/database.js';
import { DatabaseLeaseStore } from '../src/platform/cluster/leases.js';
import { MemoryKeyValueStore } from '../src/platform/kv/memory-kv.js';
import { createSearchIndex } from '../src/platform/search/search-index.js';
import type { SearchDocument } from '../src/platform/search/search.js';
import { createAnnouncementRepository } from '../src/modules/announcements/announcement.repository.js';
import { createArticleRepository } from '../src/modules/articles/article.repository.js';
import { createSessionRepository } from '../src/modules/auth/session.repository.js';
import { createChannelAdminRepository } from '../src/modules/channels/channel-admin.repository.js';
import { createChannelRepository } from '../src/modules/channels/channel.repository.js';
import { createLikeArticleFinder } from '../src/modules/chat/article-finder.js';
import { createCommentModerationRepository } from '../src/modules/comments/comment-moderation.repository.js';
import { createCommentRepository } from '../src/modules/comments/comment.repository.js';
import { createCounterService } from '../src/modules/counters/counter.service.js';
import { Attitude, createEngagementRepository } from '../src/modules/engagement/engagement.repository.js';
import { createFeedRepository } from '../src/modules/feed/feed.repository.js';
import { createModerationRepository } from '../src/modules/review/review.repository.js';
import { createSensitiveWordsRepository } from '../src/modules/review/sensitive-words.repository.js';
import { createMpArticleRepository } from '../src/modules/mp-articles/mp-article.repository.js';
import { createImageLibraryRepository } from '../src/modules/mp-images/mp-image.repository.js';
import { createStatisticsRepository } from '../src/modules/mp-statistics/mp-statistics.repository.js';
import { createNotificationRepository } from '../src/modules/notifications/notification.repository.js';
import { checkLedger } from '../src/modules/payments/ledger-check.js';
import {
  createPaymentRepository,
  type NewOrder,
  type OrderRow,
  type RefundRow,
} from '../src/modules/payments/payment.repository.js';
import { createRelationRepository } from '../src/modules/relations/relation.repository.js';
import { createSearchRepository } from '../src/modules/search/search.repository.js';
import { createAuditRepository } from '../src/modules/audit/audit.repository.js';
import { createOauthRepository } from '../src/modules/oauth/oauth.repository.js';
import { createUserAdminRepository } from '../src/modules/user-admin/user-admin.repository.js';
import { createUserRepository } from '../src/modules/users/user.repository.js';
import { target, type Answer, type AnyTarget } from './sql-snapshots-lib.js';

/** A fake instant (ms): times only ever appear as bound parameters. */
const T = 1_000;
const NO_ROWS: Answer = {};
/** One row: enough for executeTakeFirstOrThrow (counts and sums read it as 0). */
const ONE_ROW: Answer = { rows: [{}] };
/** A compare-and-set UPDATE that won (changed its one row). */
const WON: Answer = { affected: 1n };
const PAGE = { offset: 0, limit: 20 };

/** Fresh ids for methods that mint them (ledger entries). */
const idSource = () => {
  let next = 100n;
  return () => next++;
};

const newOrder = {
  id: 1n,
  kind: 'article',
  buyer_id: 2n,
  author_id: 3n,
  article_id: 4n,
  amount_cents: 100,
  fee_cents: 10,
  channel: 'sample-channel',
  provider: 'sample-provider',
  subject: 'Sample',
  pending_key: 'sample-key',
  created_at: T,
  expires_at: T,
} satisfies NewOrder;

const order: OrderRow = {
  ...newOrder,
  status: 'pending',
  provider_trade_no: null,
  refund_reserved_cents: 0,
  refunded_cents: 0,
  updated_at: T,
  paid_at: null,
  closed_at: null,
};

const refund: RefundRow = {
  id: 5n,
  order_id: 1n,
  request_no: 'sample-request',
  amount_cents: 100,
  status: 'pending',
  admin_id: 6n,
  failure_reason: null,
  created_at: T,
  updated_at: T,
};

const announcement = { id: 1n, title: 'Sample', content: 'Sample', published_at: T, created_at: T };

const placements = [
  { id: 2n, seq: 1 },
  { id: 3n, seq: 2 },
];

const refundRequest = { id: 5n, order_id: 1n, request_no: 'sample-request', amount_cents: 50, admin_id: 6n };

const holder = { owner: 'sample-owner', node: 'sample-node', scheduler: true };

const searchDocument: SearchDocument = {
  id: 1n,
  authorId: 2n,
  status: 2,
  publishedAt: T,
  popularity: 5,
  title: 'Sample title',
  body: 'Sample body text',
};

export const targets: AnyTarget[] = [
  target({
    name: 'announcements.announcement',
    source: 'src/modules/announcements/announcement.repository.ts',
    create: createAnnouncementRepository,
    methods: {
      page: [{ run: (r) => r.page(0, 20) }],
      count: [{ run: (r) => r.count(), answers: [ONE_ROW] }],
      findById: [{ run: (r) => r.findById(1n) }],
      insert: [{ run: (r) => r.insert(announcement) }],
      insertMissing: [
        {
          run: (r) => r.insertMissing([announcement, { ...announcement, id: 2n }]),
        },
      ],
    },
  }),

  target({
    name: 'articles.article',
    source: 'src/modules/articles/article.repository.ts',
    create: createArticleRepository,
    methods: {
      feedPage: [
        {
          label: 'every channel',
          run: (r) => r.feedPage({ channelId: null, before: T, limit: 10, excludePinned: false }),
        },
        {
          label: 'one channel, pinned left out',
          run: (r) => r.feedPage({ channelId: 1n, before: T, limit: 10, excludePinned: true }),
        },
        {
          label: 'the last row shares its millisecond with the next page',
          run: (r) => r.feedPage({ channelId: null, before: T, limit: 1, excludePinned: false }),
          answers: [
            {
              rows: [
                { id: 3n, published_at: T - 1 },
                { id: 2n, published_at: T - 1 },
              ],
            },
          ],
        },
      ],
      pinned: [{ run: (r) => r.pinned(1n) }],
      newestPublishedAt: [
        { label: 'every channel', run: (r) => r.newestPublishedAt(null) },
        { label: 'one channel', run: (r) => r.newestPublishedAt(1n) },
      ],
      findVisible: [{ run: (r) => r.findVisible(1n) }],
      findCards: [{ run: (r) => r.findCards([1n, 2n]) }],
      channelOf: [{ run: (r) => r.channelOf(1n) }],
      relatedCandidates: [{ run: (r) => r.relatedCandidates(2n, 10) }],
      isDeleted: [{ run: (r) => r.isDeleted(1n) }],
      visibleCountsByChannel: [{ run: (r) => r.visibleCountsByChannel() }],
      visibleIdsOfChannel: [{ run: (r) => r.visibleIdsOfChannel(1n, 0, 50_000) }],
    },
  }),

  target({
    name: 'auth.session',
    source: 'src/modules/auth/session.repository.ts',
    create: createSessionRepository,
    methods: {
      insert: [
        {
          run: (r) =>
            r.insert({
              id: 1n,
              user_id: 2n,
              client: 'app',
              verified: 1,
              rotation: 0,
              refresh_jti: 'sample-jti',
              platform: 'web',
              user_agent: 'sample-agent',
              ip: '127.0.0.1',
              created_at: T,
              last_used_at: T,
              expires_at: T,
            }),
        },
      ],
      find: [{ run: (r) => r.find(1n) }],
      rotate: [
        {
          run: (r) => r.rotate(1n, 'sample-jti', { jti: 'next-jti', previousValidUntil: T, expiresAt: T, now: T }),
        },
      ],
      touch: [{ run: (r) => r.touch(1n, T) }],
      revoke: [{ run: (r) => r.revoke(1n, T) }],
      revokeAllForUser: [
        { label: 'no live session', run: (r) => r.revokeAllForUser(1n, T) },
        {
          label: "one client's sessions but the current one",
          run: (r) => r.revokeAllForUser(1n, T, { keep: 2n, client: 'app' }),
          answers: [{ rows: [{ id: 3n }, { id: 4n }] }],
        },
      ],
      listActive: [{ run: (r) => r.listActive(1n, T) }],
    },
  }),

  target({
    name: 'channels.channel',
    source: 'src/modules/channels/channel.repository.ts',
    create: createChannelRepository,
    methods: {
      listVisible: [{ run: (r) => r.listVisible() }],
      listDefaults: [{ run: (r) => r.listDefaults() }],
      isVisible: [{ run: (r) => r.isVisible(1n) }],
      savedIds: [{ run: (r) => r.savedIds(1n, 1000) }],
      listForUser: [{ run: (r) => r.listForUser(1n) }],
      insertForUser: [
        {
          run: (r) => r.insertForUser(1n, placements, T),
        },
      ],
      replaceForUser: [
        {
          run: (r) => r.replaceForUser(1n, placements, T),
        },
      ],
      upsertForUser: [{ run: (r) => r.upsertForUser(1n, [{ id: 2n, seq: 1 }], T) }],
      deleteForUser: [{ run: (r) => r.deleteForUser(1n, [2n, 3n]) }],
    },
  }),

  target({
    name: 'channels.channel-admin',
    source: 'src/modules/channels/channel-admin.repository.ts',
    create: createChannelAdminRepository,
    methods: {
      list: [{ run: (r) => r.list(0, 100) }],
      find: [{ run: (r) => r.find(1n) }],
      nameTaken: [
        { label: 'a new name', run: (r) => r.nameTaken('Sample') },
        { label: 'a rename', run: (r) => r.nameTaken('Sample', 1n) },
      ],
      nextId: [{ run: (r) => r.nextId(), answers: [ONE_ROW] }],
      orderedIds: [{ run: (r) => r.orderedIds() }],
      insert: [
        {
          run: (r) =>
            r.insert({
              id: 1n,
              name: 'Sample',
              sequence: 1,
              is_visible: 1,
              is_default: 0,
              created_at: T,
              updated_at: T,
            }),
        },
      ],
      update: [{ run: (r) => r.update(1n, { name: 'Sample', is_visible: 0 }, T) }],
      renumber: [{ run: (r) => r.renumber([2n, 1n], T) }],
    },
  }),

  target({
    name: 'chat.article-finder',
    source: 'src/modules/chat/article-finder.ts',
    create: createLikeArticleFinder,
    methods: {
      find: [
        { label: 'latin keywords', run: (r) => r.find('sample keywords', 5) },
        { label: 'a Chinese phrase retried as two-character pieces', run: (r) => r.find('人工智能的发展', 5) },
      ],
    },
  }),

  target({
    name: 'comments.comment',
    source: 'src/modules/comments/comment.repository.ts',
    create: createCommentRepository,
    methods: {
      inTransaction: { noQuery: 'the same queries bound to a transaction' },
      findArticle: [{ run: (r) => r.findArticle(1n) }],
      find: [{ run: (r) => r.find(1n) }],
      positionIn: [
        { label: "an article's comments", run: (r) => r.positionIn({ articleId: 1n, parentId: null }, 2n) },
        { label: "a comment's replies", run: (r) => r.positionIn({ parentId: 1n }, 2n) },
      ],
      page: [
        {
          label: "first page of an article's comments",
          run: (r) => r.page({ articleId: 1n, parentId: null }, null, 10),
        },
        {
          label: 'after a pinned comment',
          run: (r) => r.page({ articleId: 1n, parentId: null }, { isTop: 1, id: 2n }, 10),
        },
        { label: 'replies after an unpinned one', run: (r) => r.page({ parentId: 1n }, { isTop: 0, id: 2n }, 10) },
      ],
      count: [
        { label: "an article's comments", run: (r) => r.count({ articleId: 1n, parentId: null }), answers: [ONE_ROW] },
        { label: "a comment's replies", run: (r) => r.count({ parentId: 1n }), answers: [ONE_ROW] },
      ],
      lastId: [{ run: (r) => r.lastId({ articleId: 1n, parentId: null }) }],
      one: [{ run: (r) => r.one(1n) }],
      insert: [
        {
          run: (r) =>
            r.insert({ id: 1n, article_id: 2n, user_id: 3n, parent_id: null, content: 'Sample', created_at: T }),
        },
      ],
      likedAmong: [{ run: (r) => r.likedAmong(1n, [2n, 3n]) }],
      like: [{ run: (r) => r.like(1n, 2n, T) }],
      unlike: [{ run: (r) => r.unlike(1n, 2n) }],
      softDelete: [
        { label: 'one comment', run: (r) => r.softDelete({ id: 1n }) },
        { label: "a comment's replies", run: (r) => r.softDelete({ parentId: 1n }) },
      ],
      setTop: [{ run: (r) => r.setTop(1n, true) }],
      setAllowComment: [{ run: (r) => r.setAllowComment(1n, false, T) }],
      author: [{ run: (r) => r.author(1n) }],
    },
  }),

  target({
    name: 'comments.comment-moderation',
    source: 'src/modules/comments/comment-moderation.repository.ts',
    create: createCommentModerationRepository,
    methods: {
      search: [
        { label: 'newest first, no filter', run: (r) => r.search({}, 20) },
        {
          label: 'text, article, author, after a page',
          run: (r) => r.search({ text: 'sample', articleId: 1n, authorId: 2n, before: 3n }, 20),
        },
      ],
      reportGroups: [{ run: (r) => r.reportGroups(0, 20) }],
      reasons: [{ run: (r) => r.reasons([1n, 2n]) }],
      insertReport: [{ run: (r) => r.insertReport(1n, 2n, 0, 'Sample', T) }],
      deleteReports: [{ run: (r) => r.deleteReports(1n) }],
    },
  }),

  target({
    name: 'counters.counter-service',
    source: 'src/modules/counters/counter.service.ts',
    create: (db: Db) => createCounterService({ kv: new MemoryKeyValueStore(), db, now: () => T, newId: idSource() }),
    methods: {
      write: [
        {
          label: 'a like: its article and its author',
          run: (c) =>
            c.write(async () => ({
              value: null,
              changes: [
                { entity: 'article', id: 1n, field: 'like_count', by: 1 },
                { entity: 'user', id: 2n, field: 'like_count', by: 1 },
              ],
            })),
        },
        {
          label: "a batch of likes of one author's three articles: one UPDATE per column",
          run: (c) =>
            c.write(async () => ({
              value: null,
              changes: [1n, 3n, 4n].flatMap((id) => [
                { entity: 'article' as const, id, field: 'like_count' as const, by: 1 },
                { entity: 'user' as const, id: 2n, field: 'like_count' as const, by: 1 },
              ]),
            })),
        },
      ],
      apply: [{ run: (c, db) => c.apply(db, [{ entity: 'comment', id: 1n, field: 'reply_count', by: -1 }]) }],
      add: { noQuery: 'delta counters are kv increments' },
      overlay: [
        {
          label: "a user's likes received with a mark waiting: the sum read at once",
          run: (c) => c.overlay('user', [{ id: 2n, like_count: 1, read_count: 0 }], ['like_count', 'read_count']),
          answers: [{ rows: [{ row_id: 2n, field: 'like_count' }] }, { rows: [{ id: 2n, n: 3 }] }],
        },
      ],
      onChanged: { noQuery: 'registers a listener' },
      flush: [
        {
          label: "marks of one author's likes received: the sum set, the marks deleted",
          run: (c) => c.flush(),
          answers: [
            { rows: [{ id: 5n }] },
            {
              rows: [
                { id: 4n, entity: 'user', row_id: 2n, field: 'like_count' },
                { id: 5n, entity: 'user', row_id: 2n, field: 'like_count' },
              ],
            },
            { rows: [{ id: 2n }] },
            WON,
            { affected: 2n },
          ],
        },
        {
          label: 'one pending read delta: its row locked unless held elsewhere, then written',
          run: async (c) => {
            await c.add([{ entity: 'article', id: 1n, field: 'read_count', by: 3 }]);
            return c.flush();
          },
          answers: [NO_ROWS, { rows: [{ id: 1n }] }],
        },
      ],
      recount: [
        {
          label: 'one article whose like count was off; no users or comments',
          run: (c) => c.recount(),
          answers: [
            NO_ROWS,
            { rows: [{ n: 1 }] },
            { rows: [{ id: 1n }] },
            { rows: [{ id: 1n, like_count: 5, dislike_count: 0, comment_count: 0, collect_count: 0 }] },
            NO_ROWS,
            NO_ROWS,
            NO_ROWS,
            NO_ROWS,
            NO_ROWS,
            NO_ROWS,
            { rows: [{ n: 0 }] },
            NO_ROWS,
            { rows: [{ n: 0 }] },
          ],
        },
      ],
    },
  }),

  target({
    name: 'engagement.engagement',
    source: 'src/modules/engagement/engagement.repository.ts',
    create: createEngagementRepository,
    methods: {
      inTransaction: { noQuery: 'the same queries bound to a transaction' },
      visibleArticle: [{ run: (r) => r.visibleArticle(1n) }],
      likeTargets: [{ run: (r) => r.likeTargets([1n, 2n], [3n, 4n]) }],
      authorOf: [{ run: (r) => r.authorOf(1n) }],
      isActiveUser: [{ run: (r) => r.isActiveUser(1n) }],
      insertAttitude: [{ run: (r) => r.insertAttitude(1n, 2n, Attitude.like, T) }],
      insertAttitudes: [
        {
          run: (r) =>
            r.insertAttitudes(
              [
                { userId: 1n, articleId: 2n },
                { userId: 3n, articleId: 4n },
              ],
              Attitude.like,
              T,
            ),
        },
      ],
      flipAttitude: [{ run: (r) => r.flipAttitude(1n, 2n, Attitude.like, Attitude.dislike, T) }],
      deleteAttitude: [{ run: (r) => r.deleteAttitude(1n, 2n, Attitude.like) }],
      attitudeOf: [{ run: (r) => r.attitudeOf(1n, 2n) }],
      withAttitude: [
        { label: 'every article', run: (r) => r.withAttitude(1n, Attitude.like) },
        { label: 'among some articles', run: (r) => r.withAttitude(1n, Attitude.like, [2n, 3n]) },
      ],
      insertCollection: [{ run: (r) => r.insertCollection(1n, 2n, T) }],
      deleteCollection: [{ run: (r) => r.deleteCollection(1n, 2n) }],
      isCollected: [{ run: (r) => r.isCollected(1n, 2n) }],
      viewerFlags: [
        { run: (r) => r.viewerFlags(1n, 2n, 3n), answers: [{ rows: [{ attitude: null, collected: 0, followed: 0 }] }] },
      ],
      insertReport: [{ run: (r) => r.insertReport(1n, 2n, 1, 'sample remark', T) }],
      deleteReports: [{ run: (r) => r.deleteReports(2n) }],
      touchHistory: [{ run: (r) => r.touchHistory(1n, 2n, T) }],
      insertHistory: [{ run: (r) => r.insertHistory(1n, 2n, T) }],
      trimHistory: [
        { label: 'nothing beyond the limit', run: (r) => r.trimHistory(1n, 100) },
        {
          label: 'two entries beyond the limit',
          run: (r) => r.trimHistory(1n, 100),
          answers: [{ rows: [{ article_id: 2n }, { article_id: 3n }] }],
        },
      ],
      insertReads: [
        {
          run: (r) =>
            r.insertReads([
              { id: 1n, articleId: 2n, userId: 3n, source: 'channel', durationSeconds: 0, at: T },
              { id: 4n, articleId: 2n, userId: null, source: 'search', durationSeconds: 0, at: T },
            ]),
        },
      ],
      newestRead: [
        { label: 'a signed-in reader', run: (r) => r.newestRead(1n, 2n, T) },
        { label: 'an anonymous reader', run: (r) => r.newestRead(1n, null, T) },
      ],
      setReadDuration: [
        { label: "the reader's own read", run: (r) => r.setReadDuration(1n, 30, false) },
        { label: 'claiming an anonymous read', run: (r) => r.setReadDuration(1n, 30, true) },
      ],
      collectedPage: [{ run: (r) => r.collectedPage(1n, PAGE), answers: [NO_ROWS, ONE_ROW] }],
      historyPage: [{ run: (r) => r.historyPage(1n, PAGE), answers: [NO_ROWS, ONE_ROW] }],
      authoredPage: [{ run: (r) => r.authoredPage(1n, PAGE), answers: [NO_ROWS, ONE_ROW] }],
      recentAttitudes: [{ run: (r) => r.recentAttitudes(1n, 300) }],
      recentReads: [{ run: (r) => r.recentReads(1n, 300) }],
    },
  }),

  target({
    name: 'feed.feed',
    source: 'src/modules/feed/feed.repository.ts',
    create: createFeedRepository,
    methods: {
      candidates: [{ run: (r) => r.candidates(100, T) }],
    },
  }),

  target({
    name: 'review.review',
    source: 'src/modules/review/review.repository.ts',
    create: createModerationRepository,
    methods: {
      insert: [
        {
          run: (r, db) =>
            r.insert(db, {
              id: 1n,
              article_id: 2n,
              moderator_id: 3n,
              decision: 'reject',
              reason: 'sample reason',
              from_status: 1,
              to_status: 3,
              created_at: T,
            }),
        },
      ],
      forArticle: [{ run: (r) => r.forArticle(1n) }],
    },
  }),

  target({
    name: 'review.sensitive-words',
    source: 'src/modules/review/sensitive-words.repository.ts',
    create: createSensitiveWordsRepository,
    methods: {
      allWords: [{ run: (r) => r.allWords() }],
      count: [{ run: (r) => r.count(), answers: [ONE_ROW] }],
      page: [{ run: (r) => r.page(0, 20) }],
      add: [{ run: (r, db) => r.add(db, ['sample'], 1n, T), answers: [WON] }],
      remove: [
        { label: 'none listed', run: (r, db) => r.remove(db, ['sample']) },
        {
          label: 'one listed',
          run: (r, db) => r.remove(db, ['sample', 'other']),
          answers: [{ rows: [{ word: 'sample' }] }],
        },
      ],
    },
  }),

  target({
    name: 'mp-articles.mp-article',
    source: 'src/modules/mp-articles/mp-article.repository.ts',
    create: createMpArticleRepository,
    methods: {
      insert: [
        {
          run: (r) =>
            r.insert(
              {
                id: 1n,
                user_id: 2n,
                channel_id: 3n,
                title: 'Sample',
                cover_type: 0,
                cover_images: '[]',
                status: 1,
                created_at: T,
                updated_at: T,
                published_at: null,
                deleted_at: null,
                reject_reason: null,
                price_cents: 0,
                review_flags: null,
              },
              '<p>Sample</p>',
            ),
        },
      ],
      find: [{ run: (r) => r.find(1n) }],
      state: [{ run: (r) => r.state(1n) }],
      transition: [
        {
          label: 'someone changed it meanwhile',
          run: (r) => r.transition(1n, { status: 0, updated_at: T }, { status: 1, updated_at: T + 1 }),
        },
        {
          label: 'won, with new content',
          run: (r) =>
            r.transition(
              1n,
              { status: 0, updated_at: T },
              { title: 'Sample', status: 1, updated_at: T + 1 },
              { content: '<p>Sample</p>' },
            ),
          answers: [WON],
        },
      ],
      list: [
        { label: 'statuses only', run: (r) => r.list({ userId: 1n, statuses: [0, 1, 2, 3] }, 0, 20) },
        {
          label: 'channels and a creation window',
          run: (r) => r.list({ userId: 1n, statuses: [2], channelIds: [2n, 3n], from: T, until: T + 1 }, 0, 20),
        },
      ],
      count: [
        {
          run: (r) => r.count({ userId: 1n, statuses: [2], channelIds: [2n], from: T, until: T + 1 }),
          answers: [ONE_ROW],
        },
      ],
      stats: [{ run: (r) => r.stats([1n, 2n]) }],
      fansCommentCounts: [{ run: (r) => r.fansCommentCounts(1n, [2n, 3n]) }],
      reviewPage: [{ run: (r) => r.reviewPage([1], 0, 20) }],
      reviewCount: [{ run: (r) => r.reviewCount([1]), answers: [ONE_ROW] }],
      authorName: [{ run: (r) => r.authorName(1n) }],
    },
  }),

  target({
    name: 'mp-images.mp-image',
    source: 'src/modules/mp-images/mp-image.repository.ts',
    create: createImageLibraryRepository,
    methods: {
      findOwn: [{ run: (r) => r.findOwn(1n, 2n) }],
      findByUpload: [{ run: (r) => r.findByUpload(1n, 'sample-sha256') }],
      findByContent: [{ run: (r) => r.findByContent(1n, 'sample-sha256') }],
      insert: [
        {
          run: (r) =>
            r.insert({
              id: 1n,
              userId: 2n,
              imageKey: 'sample/image.webp',
              thumbnailKey: 'sample/thumb.webp',
              contentSha256: 'sample-sha256',
              uploadSha256: 'sample-sha256',
              at: T,
            }),
        },
      ],
      restore: [{ run: (r) => r.restore(1n, T) }],
      setCollected: [{ run: (r) => r.setCollected(1n, true, T) }],
      softDelete: [{ run: (r) => r.softDelete(1n, T) }],
      count: [
        { label: 'every image', run: (r) => r.count(1n, false), answers: [ONE_ROW] },
        { label: 'collected only', run: (r) => r.count(1n, true), answers: [ONE_ROW] },
      ],
      page: [{ run: (r) => r.page(1n, { collectedOnly: false, offset: 0, limit: 20 }) }],
    },
  }),

  target({
    name: 'mp-statistics.mp-statistics',
    source: 'src/modules/mp-statistics/mp-statistics.repository.ts',
    create: createStatisticsRepository,
    methods: {
      approvedArticleCounters: [
        { label: 'all time', run: (r) => r.approvedArticleCounters(1n, { window: {} }) },
        {
          label: 'one channel, a publish window',
          run: (r) => r.approvedArticleCounters(1n, { channelId: 2n, window: { from: T, to: T + 1 } }),
        },
      ],
      fansCount: [{ run: (r) => r.fansCount(1n) }],
      ownArticle: [{ run: (r) => r.ownArticle(1n, 2n) }],
      readFigures: [{ run: (r) => r.readFigures(1n, 2n, { from: T, to: T + 1 }, 300), answers: [ONE_ROW] }],
      commentCount: [{ run: (r) => r.commentCount(1n, { from: T, to: T + 1 }), answers: [ONE_ROW] }],
      followerProfile: [
        {
          run: (r) =>
            r.followerProfile(1n, {
              19: '2001-01-01',
              24: '1996-01-01',
              31: '1989-01-01',
              41: '1979-01-01',
              51: '1969-01-01',
            }),
          answers: [ONE_ROW],
        },
      ],
      followerPlatforms: [{ run: (r) => r.followerPlatforms(1n) }],
    },
  }),

  target({
    name: 'notifications.notification',
    source: 'src/modules/notifications/notification.repository.ts',
    create: createNotificationRepository,
    methods: {
      upsertMany: [
        {
          label: 'two facts',
          run: (r) =>
            r.upsertMany([
              {
                id: 1n,
                user_id: 2n,
                type: 'like',
                actor_id: 3n,
                article_id: 4n,
                comment_id: null,
                dedupe_key: 'like:3:4',
                created_at: T,
              },
              {
                id: 5n,
                user_id: 2n,
                type: 'follow',
                actor_id: 6n,
                dedupe_key: 'follow:6',
                created_at: T,
              },
            ]),
        },
      ],
      list: [{ run: (r) => r.list(1n, 0, 20) }],
      counts: [{ run: (r) => r.counts(1n), answers: [ONE_ROW] }],
      unread: [{ run: (r) => r.unread(1n), answers: [ONE_ROW] }],
      markRead: [
        { label: 'all', run: (r) => r.markRead(1n) },
        { label: 'some', run: (r) => r.markRead(1n, [2n, 3n]) },
      ],
      actor: [{ run: (r) => r.actor(1n) }],
      actors: [{ run: (r) => r.actors([1n, 2n]) }],
      articleTitles: [{ run: (r) => r.articleTitles([1n, 2n]) }],
      blockedPairs: [{ run: (r) => r.blockedPairs([1n, 2n], [3n, 4n]) }],
      someArticle: [
        { label: 'any author', run: (r) => r.someArticle() },
        { label: 'one author', run: (r) => r.someArticle(1n) },
      ],
    },
  }),

  target({
    name: 'payments.ledger-check',
    source: 'src/modules/payments/ledger-check.ts',
    create: (db: Db) => ({ checkLedger: () => checkLedger(db) }),
    methods: {
      checkLedger: [
        {
          label: 'one order, then the end of the orders',
          run: (r) => r.checkLedger(),
          answers: [
            NO_ROWS,
            ONE_ROW,
            ONE_ROW,
            {
              rows: [
                {
                  id: 1n,
                  kind: 'article',
                  status: 'paid',
                  amount_cents: 100,
                  fee_cents: 10,
                  refunded_cents: 0,
                  refund_reserved_cents: 0,
                },
              ],
            },
          ],
        },
      ],
    },
  }),

  target({
    name: 'payments.payment',
    source: 'src/modules/payments/payment.repository.ts',
    create: createPaymentRepository,
    methods: {
      article: [{ run: (r) => r.article(1n) }],
      user: [{ run: (r) => r.user(1n) }],
      insertOrder: [
        {
          run: (r) => r.insertOrder(newOrder),
        },
      ],
      findOrder: [{ run: (r) => r.findOrder(1n) }],
      findPending: [{ run: (r) => r.findPending('sample-key') }],
      setChannel: [{ run: (r) => r.setChannel(1n, 'sample-channel', T) }],
      owns: [{ run: (r) => r.owns(1n, 2n) }],
      listByBuyer: [{ run: (r) => r.listByBuyer(1n, 0, 20), answers: [ONE_ROW] }],
      markPaid: [
        { label: 'another writer moved the order first', run: (r) => r.markPaid(order, null, T, idSource()) },
        {
          label: 'won: the payment entries go in',
          run: (r) => r.markPaid(order, 'sample-trade-no', T, idSource()),
          answers: [WON],
        },
      ],
      markClosed: [{ run: (r) => r.markClosed(1n, T) }],
      pendingCreatedBefore: [{ run: (r) => r.pendingCreatedBefore(T, 100) }],
      reserveRefund: [
        {
          label: 'refused',
          run: (r) => r.reserveRefund(refundRequest, T),
        },
        {
          label: 'reserved: the refund is recorded',
          run: (r) => r.reserveRefund(refundRequest, T),
          answers: [WON],
        },
      ],
      findRefund: [{ run: (r) => r.findRefund(1n) }],
      completeRefund: [
        { label: 'already settled', run: (r) => r.completeRefund(refund, T, idSource()) },
        {
          label: 'settled: reversing entries, and the order becomes refunded',
          run: (r) => r.completeRefund(refund, T, idSource()),
          answers: [WON, NO_ROWS, { rows: [{ ...order, status: 'paid', refunded_cents: 100 }] }],
        },
      ],
      failRefund: [
        { label: 'already settled', run: (r) => r.failRefund(refund, 'sample reason', T) },
        {
          label: 'failed: the reservation is given back',
          run: (r) => r.failRefund(refund, 'sample reason', T),
          answers: [WON],
        },
      ],
      pendingRefundsBefore: [{ run: (r) => r.pendingRefundsBefore(T, 100) }],
      authorSummary: [{ run: (r) => r.authorSummary(1n), answers: [ONE_ROW] }],
      authorEntries: [{ run: (r) => r.authorEntries(1n, 0, 20), answers: [ONE_ROW] }],
      recordEvent: [
        {
          run: (r) =>
            r.recordEvent({
              id: 1n,
              provider: 'sample-provider',
              source: 'notify',
              reason: 'sample reason',
              order_ref: null,
              detail: '{}',
              created_at: T,
            }),
        },
      ],
    },
  }),

  target({
    name: 'relations.relation',
    source: 'src/modules/relations/relation.repository.ts',
    create: createRelationRepository,
    methods: {
      inTransaction: { noQuery: 'the same queries bound to a transaction' },
      isActiveUser: [{ run: (r) => r.isActiveUser(1n) }],
      blacklistsBetween: [{ run: (r) => r.blacklistsBetween(1n, 2n) }],
      insertFollow: [{ run: (r) => r.insertFollow(1n, 2n, T) }],
      deleteFollow: [{ run: (r) => r.deleteFollow(1n, 2n) }],
      isFollowing: [{ run: (r) => r.isFollowing(1n, 2n) }],
      insertBlacklist: [{ run: (r) => r.insertBlacklist(1n, 2n, T) }],
      deleteBlacklist: [{ run: (r) => r.deleteBlacklist(1n, 2n) }],
      isBlacklisted: [{ run: (r) => r.isBlacklisted(1n, 2n) }],
      followedBy: [{ run: (r) => r.followedBy(1n, 1000) }],
      blacklistedBy: [{ run: (r) => r.blacklistedBy(1n, 100) }],
      count: [
        { label: 'followings', run: (r) => r.count('followings', 1n), answers: [ONE_ROW] },
        { label: 'followers', run: (r) => r.count('followers', 1n), answers: [ONE_ROW] },
      ],
      page: [
        { label: 'followings', run: (r) => r.page('followings', 1n, PAGE) },
        { label: 'followers', run: (r) => r.page('followers', 1n, PAGE) },
      ],
    },
  }),

  target({
    name: 'search.search',
    source: 'src/modules/search/search.repository.ts',
    create: createSearchRepository,
    methods: {
      source: [{ run: (r) => r.source(1n) }],
      sourcesAfter: [
        { label: 'from the start', run: (r) => r.sourcesAfter(null, 100) },
        { label: 'after an id', run: (r) => r.sourcesAfter(1n, 100) },
      ],
      sourcesOf: [{ run: (r) => r.sourcesOf([1n, 2n]) }],
      statesAfter: [
        { label: 'from the start', run: (r) => r.statesAfter(null, 10n, 100) },
        { label: 'after an id', run: (r) => r.statesAfter(1n, 10n, 100) },
      ],
      maxArticleId: [{ run: (r) => r.maxArticleId() }],
      countIndexable: [
        { label: 'every article', run: (r) => r.countIndexable() },
        { label: 'up to an id', run: (r) => r.countIndexable(10n) },
      ],
      indexableIds: [{ run: (r) => r.indexableIds([1n, 2n]) }],
      mpRows: [{ run: (r) => r.mpRows([1n, 2n], 3n) }],
    },
  }),

  target({
    name: 'users.user',
    source: 'src/modules/users/user.repository.ts',
    create: createUserRepository,
    methods: {
      findById: [{ run: (r) => r.findById(1n) }],
      findByMobile: [{ run: (r) => r.findByMobile('10000000000') }],
      findByLogin: [{ run: (r) => r.findByLogin('Sample') }],
      access: [{ run: (r) => r.access(1n) }],
      insert: [
        { run: (r) => r.insert({ id: 1n, mobile: '10000000000', name: 'Sample', created_at: T, updated_at: T }) },
      ],
      insertNamed: [
        {
          run: (r) =>
            r.insertNamed({ id: 1n, mobile: '10000000000', created_at: T, updated_at: T }, (n) => `sample-${n}`),
        },
      ],
      update: [{ run: (r) => r.update(1n, { name: 'Sample', intro: 'Sample', updated_at: T }) }],
      nameTaken: [{ run: (r) => r.nameTaken('Sample', 1n) }],
      emailTaken: [{ run: (r) => r.emailTaken('sample@example.invalid', 1n) }],
      setCredentials: [
        {
          label: 'a first password',
          run: (r) => r.setCredentials(1n, null, { password_hash: 'sample-hash', updated_at: T }),
        },
        {
          label: 'a changed password, binding username and email',
          run: (r) =>
            r.setCredentials(1n, 'old-hash', {
              password_hash: 'sample-hash',
              username: 'sample',
              email: 'sample@example.invalid',
              updated_at: T,
            }),
        },
      ],
    },
  }),

  target({
    name: 'audit.audit',
    source: 'src/modules/audit/audit.repository.ts',
    create: createAuditRepository,
    methods: {
      insert: [
        {
          run: (r, db) =>
            r.insert(db, {
              id: 1n,
              actor_id: 2n,
              action: 'user.ban',
              target_type: 'user',
              target_id: '3',
              before_json: '{"status":1}',
              after_json: '{"status":0}',
              created_at: T,
            }),
        },
      ],
      list: [
        { label: 'unfiltered, first page', run: (r) => r.list({}, 20) },
        {
          label: 'every filter, an area and a cursor',
          run: (r) => r.list({ actorId: 2n, action: 'user.', targetType: 'user', targetId: '3', before: 9n }, 20),
        },
        { label: 'an exact action', run: (r) => r.list({ action: 'user.ban' }, 50) },
      ],
    },
  }),

  target({
    name: 'oauth.oauth',
    source: 'src/modules/oauth/oauth.repository.ts',
    create: createOauthRepository,
    methods: {
      findClient: [{ run: (r) => r.findClient('sample-client') }],
      saveClient: [
        {
          label: 'insert, or update the metadata of a registered client',
          run: (r) =>
            r.saveClient({
              client_id: 'sample-client',
              metadata_json: '{"client_name":"x"}',
              owner_user_id: 1n,
              now: T,
            }),
        },
      ],
      deleteClient: [{ run: (r) => r.deleteClient('sample-client') }],
      listOwnedClients: [{ run: (r) => r.listOwnedClients(1n) }],
      saveGrant: [
        {
          label: 'index a grant, or update its scopes and expiry when it is saved again',
          run: (r) =>
            r.saveGrant({
              grant_id: 'sample-grant',
              user_id: 1n,
              client_id: 'sample-client',
              scope: 'openid articles:read',
              expires_at: T,
              now: T,
            }),
        },
      ],
      deleteGrant: [{ run: (r) => r.deleteGrant('sample-grant') }],
      listGrantsOfUser: [{ run: (r) => r.listGrantsOfUser(1n, T) }],
      grantIdsOf: [{ run: (r) => r.grantIdsOf(1n, 'sample-client') }],
      grantIdsOfClient: [{ run: (r) => r.grantIdsOfClient('sample-client') }],
      listKeys: [{ run: (r) => r.listKeys() }],
      insertKey: [{ run: (r) => r.insertKey({ kid: 'sample-kid', jwk_json: '{"kty":"RSA"}', created_at: T }) }],
      deleteKeys: [{ run: (r) => r.deleteKeys(['old-kid-1', 'old-kid-2']) }],
    },
  }),

  target({
    name: 'user-admin.user-admin',
    source: 'src/modules/user-admin/user-admin.repository.ts',
    create: createUserAdminRepository,
    methods: {
      apply: [
        {
          label: 'the column changed meanwhile',
          run: (r) =>
            r.apply(
              1n,
              { column: 'status', from: 1, to: 0 },
              { id: 2n, moderator_id: 3n, action: 'ban', reason: 'sample reason', created_at: T },
              async () => [],
            ),
        },
        {
          label: 'applied: the log row commits with it',
          run: (r) =>
            r.apply(
              1n,
              { column: 'verified', from: 0, to: 1 },
              { id: 2n, moderator_id: 3n, action: 'verify', reason: null, created_at: T },
              async () => [],
            ),
          answers: [WON],
        },
      ],
      history: [{ run: (r) => r.history(1n) }],
      setRole: [
        { label: 'the role changed meanwhile', run: (r) => r.setRole(1n, 'user', 'moderator', T, async () => {}) },
        {
          label: 'set: the audit entry commits with it',
          run: (r) => r.setRole(1n, 'moderator', 'user', T, async () => {}),
          answers: [WON],
        },
      ],
    },
  }),

  target({
    name: 'platform.cluster-leases',
    source: 'src/platform/cluster/leases.ts',
    create: (db: Db) => new DatabaseLeaseStore(db, () => T),
    methods: {
      acquire: [
        {
          label: 'a free id',
          run: (s) => s.acquire(1, holder, 30_000),
          answers: [WON],
        },
        {
          label: 'a taken id: take it over if its lease expired',
          run: (s) => s.acquire(1, { ...holder, scheduler: false }, 30_000),
        },
      ],
      extend: [{ run: (s) => s.extend(1, holder, 30_000) }],
      release: [{ run: (s) => s.release(1, holder) }],
      live: [{ run: (s) => s.live() }],
      close: { noQuery: 'the database is closed by its owner' },
    },
  }),

  target({
    name: 'platform.search-index',
    source: 'src/platform/search/search-index.ts',
    create: (db: Db) => createSearchIndex(db, { now: () => T }),
    methods: {
      index: [{ run: (s) => s.index([searchDocument]) }],
      remove: [{ run: (s) => s.remove([1n, 2n]) }],
      search: [
        {
          label: 'nothing has every term: the any-term retry',
          run: (s) => s.search({ text: 'sample words', page: 1, perPage: 10, statuses: [2], now: T }),
        },
        {
          label: "a page of an author's hits, highlighted",
          run: (s) => s.search({ text: 'sample', page: 2, perPage: 10, statuses: [0, 1, 2, 3], authorId: 1n, now: T }),
          answers: [{ rows: [{ id: 1n, score: 1, total: 11 }] }],
        },
      ],
      suggest: [{ run: (s) => s.suggest('sam', 10) }],
      optimize: [{ run: (s) => s.optimize() }],
      vocabulary: [{ run: (s) => s.vocabulary() }],
      rebuildVocabulary: [
        { label: 'an empty index', run: (s) => s.rebuildVocabulary() },
        {
          label: 'one visible title',
          run: (s) => s.rebuildVocabulary(),
          // The stored term is hex-encoded as MySQL keeps it (and a plain word for the others).
          answers: [{ rows: [{ article_id: 1n, title_terms: 't73616d706c65' }] }],
        },
      ],
      documentIds: [
        { label: 'from the start', run: (s) => s.documentIds(null, 100) },
        { label: 'after an id', run: (s) => s.documentIds(1n, 100) },
      ],
      documentStates: [{ run: (s) => s.documentStates([1n, 2n]) }],
      stats: [{ run: (s) => s.stats() }],
    },
  }),
];
