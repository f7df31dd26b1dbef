/**
 * The recommender's scoring (channel 0), as pure functions: the README's "Recommendation
 * (channel 0)" section describes the same formulas, and the tests check rankings against them.
 *
 * hot(a)      = (1·reads + 5·likes + 10·comments + 8·collections + 1) / (age_hours + 2)^1.5
 * affinity(a) = (1 + 0.5·[a's channel is one of the reader's channels] + 1.0·channelShare(a.channel))
 *             × (1 + 0.5·[the reader follows a's author]            + 1.0·authorShare(a.author))
 * score(a)    = hot(a) · affinity(a)
 *
 * channelShare / authorShare: the fraction of the reader's recent interactions (likes weigh 3,
 * reads 1) that went to that channel / author, in [0, 1]. Anonymous readers: affinity = 1.
 */

/** Engagement weights: a like, a collection or a comment says more than a read. */
export const ENGAGEMENT_WEIGHTS = { read: 1, like: 5, comment: 10, collect: 8 } as const;
/** Age decay: score ∝ 1 / (age_hours + AGE_OFFSET_HOURS)^GRAVITY. */
export const GRAVITY = 1.5;
export const AGE_OFFSET_HOURS = 2;
/** Affinity boosts. */
export const AFFINITY = {
  /** The channel is in the reader's channel set (user_channels). */
  ownChannel: 0.5,
  /** Multiplied by the channel's share of the reader's likes and reads. */
  channelShare: 1.0,
  /** The reader follows the author. */
  followedAuthor: 0.5,
  /** Multiplied by the author's share of the reader's likes and reads. */
  authorShare: 1.0,
  /** How much more a like counts than a read when computing the shares. */
  likeWeight: 3,
} as const;

const HOUR = 3_600_000;

export interface Candidate {
  id: bigint;
  user_id: bigint;
  channel_id: bigint;
  published_at: number;
  read_count: number;
  like_count: number;
  comment_count: number;
  collect_count: number;
}

export function engagement(
  c: Pick<Candidate, 'read_count' | 'like_count' | 'comment_count' | 'collect_count'>,
): number {
  const w = ENGAGEMENT_WEIGHTS;
  return w.read * c.read_count + w.like * c.like_count + w.comment * c.comment_count + w.collect * c.collect_count;
}

/** Time-decayed engagement (HN-style gravity): recent activity on a recent article ranks first. */
export function hotScore(c: Candidate, now: number): number {
  const ageHours = Math.max(0, now - c.published_at) / HOUR;
  return (engagement(c) + 1) / Math.pow(ageHours + AGE_OFFSET_HOURS, GRAVITY);
}

/** What the recommender knows about a signed-in reader (the feed module's read model, see feed.repository.ts). */
export interface ReaderProfile {
  /** The reader's channel set (user_channels). */
  channels: bigint[];
  /** Authors the reader follows. */
  followed: bigint[];
  /** Recent likes and reads, with where they went. */
  interactions: { channel_id: bigint; user_id: bigint; liked: boolean }[];
  /** Disliked and already-read articles. */
  excludedArticles: bigint[];
  /** Authors the reader blacklisted. */
  blockedAuthors: bigint[];
}

export interface Affinity {
  (c: Candidate): number;
}

export function affinityOf(profile: ReaderProfile): Affinity {
  const ownChannels = new Set(profile.channels);
  const followed = new Set(profile.followed);
  const channelWeight = new Map<bigint, number>();
  const authorWeight = new Map<bigint, number>();
  let total = 0;
  for (const i of profile.interactions) {
    const w = i.liked ? AFFINITY.likeWeight : 1;
    total += w;
    channelWeight.set(i.channel_id, (channelWeight.get(i.channel_id) ?? 0) + w);
    authorWeight.set(i.user_id, (authorWeight.get(i.user_id) ?? 0) + w);
  }
  const share = (weights: Map<bigint, number>, key: bigint) => (total > 0 ? (weights.get(key) ?? 0) / total : 0);
  return (c) =>
    (1 +
      (ownChannels.has(c.channel_id) ? AFFINITY.ownChannel : 0) +
      AFFINITY.channelShare * share(channelWeight, c.channel_id)) *
    (1 +
      (followed.has(c.user_id) ? AFFINITY.followedAuthor : 0) +
      AFFINITY.authorShare * share(authorWeight, c.user_id));
}

const newestFirst = (a: Candidate, b: Candidate) =>
  b.published_at - a.published_at || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0);

/**
 * A session's list: the `ranked` best candidates by score (hot × affinity), then every other
 * candidate newest first. Excluded articles and blocked authors are left out. Deterministic:
 * equal scores fall back to newest first, then the larger id.
 */
export function rankCandidates(
  candidates: Candidate[],
  now: number,
  options: { ranked: number; profile?: ReaderProfile },
): bigint[] {
  const { profile } = options;
  let pool = candidates;
  let affinity: Affinity = () => 1;
  if (profile) {
    const excluded = new Set(profile.excludedArticles);
    const blocked = new Set(profile.blockedAuthors);
    pool = candidates.filter((c) => !excluded.has(c.id) && !blocked.has(c.user_id));
    affinity = affinityOf(profile);
  }
  const scored = pool.map((c) => ({ c, score: hotScore(c, now) * affinity(c) }));
  scored.sort((x, y) => y.score - x.score || newestFirst(x.c, y.c));
  const head = scored.slice(0, options.ranked).map((s) => s.c);
  const tail = scored
    .slice(options.ranked)
    .map((s) => s.c)
    .sort(newestFirst);
  return head
    .concat(tail)
    .slice(0, MAX_SESSION_LENGTH)
    .map((c) => c.id);
}

/**
 * Channel 0's paging cursor. The app passes `pre_timestamp` back verbatim as the next
 * `timestamp`, so it carries the session and the offset in the list: `session · 1000 + offset`.
 * Sessions are numbered below 10^9, so a cursor stays below 10^12 ms (September 2001) and can
 * never be mistaken for the `Date.now()` the app sends for a first or refresh page.
 */
export const CURSOR_LIMIT = 1_000_000_000_000;
const OFFSETS = 1000;
export const MAX_SESSION_NUMBER = CURSOR_LIMIT / OFFSETS - 1;
/** The longest session list a cursor can page through. */
export const MAX_SESSION_LENGTH = OFFSETS - 1;

export function encodeCursor(session: number, offset: number): number {
  return session * OFFSETS + Math.min(offset, OFFSETS - 1);
}

export function decodeCursor(timestamp: number): { session: number; offset: number } | null {
  if (timestamp >= CURSOR_LIMIT) return null;
  const session = Math.floor(timestamp / OFFSETS);
  if (session < 1) return null;
  return { session, offset: timestamp % OFFSETS };
}
