/** Library rows → the contract's image items (M17, M18): absolute URLs (§1.9). */
import type { PresenterContext } from '../../platform/presenter.js';
import type { LibraryImageRow } from './mp-image.repository.js';

export function presentUploadedImage(ctx: PresenterContext, row: LibraryImageRow) {
  return { id: row.id, url: ctx.media(row.image_key), thumbnail: ctx.media(row.thumbnail_key) };
}

export function presentLibraryImage(ctx: PresenterContext, row: LibraryImageRow) {
  return { ...presentUploadedImage(ctx, row), is_collected: row.is_collected === 1 };
}
