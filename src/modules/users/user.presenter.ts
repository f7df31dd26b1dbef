/**
 * Rows → the contract's user shapes. Photos are always absolute URLs (the default avatar when
 * none is set, §1.9); the mobile number appears only in the owner's own profiles.
 */
import type { UserRow } from './user.tables.js';
import type { PresenterContext } from '../../platform/presenter.js';
import { PRIVATE_PREFIX } from '../../platform/storage/index.js';
import { IMAGE_FIELDS, type PublicProfile, type SavedFields } from './user.service.js';

/** A27: the signed-in user's card with counters. */
export function presentMe(ctx: PresenterContext, user: UserRow) {
  return {
    id: user.id,
    name: user.name,
    photo: ctx.avatar(user.photo),
    is_media: user.is_media === 1,
    intro: user.intro,
    certi: user.certi,
    art_count: user.art_count,
    follow_count: user.follow_count,
    fans_count: user.fans_count,
    like_count: user.like_count,
  };
}

/** A22: what anybody may see of a user, plus the viewer's relation to them. Never the mobile. */
export function presentPublic(ctx: PresenterContext, profile: PublicProfile) {
  return {
    ...presentMe(ctx, profile.user),
    is_following: profile.isFollowing,
    is_blacklist: profile.isBlacklist,
    is_online: profile.isOnline,
  };
}

/** A23: the owner's editable profile. */
export function presentProfile(ctx: PresenterContext, user: UserRow) {
  return {
    id: user.id,
    name: user.name,
    photo: ctx.avatar(user.photo),
    mobile: user.mobile,
    gender: user.gender === 1 ? 1 : 0,
    birthday: user.birthday ?? '',
    intro: user.intro,
  };
}

/** A26. */
export function presentFigure(user: UserRow) {
  return { fans_count: user.fans_count, read_count: user.read_count };
}

/** M06. */
export function presentMpProfile(ctx: PresenterContext, user: UserRow) {
  return {
    id: user.id,
    name: user.name,
    intro: user.intro,
    photo: ctx.avatar(user.photo),
    email: user.email,
    mobile: user.mobile,
  };
}

/**
 * A09, A21, M07, M08: `{id, …each saved field}`, images as absolute URLs: private keys (new ID
 * cards) as signed links that expire, the rest (avatars, legacy `id-cards/` keys) as public URLs.
 */
export function presentSaved(ctx: PresenterContext, id: bigint, saved: SavedFields): SavedFields & { id: bigint } {
  const out: SavedFields & { id: bigint } = { id, ...saved };
  for (const field of IMAGE_FIELDS) {
    const key = saved[field];
    if (key !== undefined) out[field] = key.startsWith(PRIVATE_PREFIX) ? ctx.privateMedia(key) : ctx.media(key);
  }
  return out;
}
