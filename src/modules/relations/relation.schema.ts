import { Type, type TSchema } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput } from '../../platform/http/ids.js';
import { PageQuery, type PageBounds } from '../../platform/http/paging.js';

/** M09: 20–50 per page, 20 by default (contract §1.6). */
export const MP_FOLLOWERS_LIST: PageBounds = { min: 20, max: 50, fallback: 20 };

export const TargetBody = Type.Object({
  target: IdInput,
});

/**
 * Path `target` of A13/A14. Checked by the handler rather than by a pattern, because the
 * contract answers 404 (the original route did not match), not 400, for anything but a user id.
 */
export const TargetPath = Type.Object({
  target: Type.String({ description: 'user id (digits); anything else is 404' }),
});

export const TargetResponse = okSchema(Type.Object({ target: IdOutput }));

/** A24/A25: `perPage` (camelCase, sent by the app) and a GET body `target` are ignored. */
export const FollowListQuery = Type.Object(PageQuery);

/** The page/per_page envelope of a list (contract §1.6). */
const pageOf = <T extends TSchema>(item: T) =>
  okSchema(
    Type.Object({
      total_count: Type.Integer({ description: 'all entries of the list' }),
      page: Type.Integer(),
      per_page: Type.Integer(),
      results: Type.Array(item),
    }),
  );

const userFields = {
  id: IdOutput,
  name: Type.String(),
  photo: Type.String({ description: 'absolute URL; the default avatar when none is set' }),
};

export const FollowListResponse = pageOf(
  Type.Object({
    ...userFields,
    fans_count: Type.Integer(),
    mutual_follow: Type.Boolean({ description: 'the follow goes both ways between the current user and this user' }),
  }),
);

export const FansResponse = pageOf(Type.Object(userFields));
