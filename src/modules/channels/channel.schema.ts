import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput, IdPath } from '../../platform/http/ids.js';
import { MAX_CHANNELS_PER_WRITE, MAX_SEQUENCE } from './channel.service.js';

export const ChannelSchema = Type.Object({ id: IdOutput, name: Type.String() });

export const ChannelListResponse = okSchema(Type.Object({ channels: Type.Array(ChannelSchema) }));

const Sequence = Type.Integer({
  minimum: 0,
  maximum: MAX_SEQUENCE,
  description: 'position in the user’s list (ascending)',
});

const Placement = Type.Object({
  id: IdInput,
  seq: Sequence,
});

/**
 * A30, A16, A15. Documents the shape; the route checks it itself (attachValidation) so that every
 * failure answers with the contract's own message rather than a field-level one.
 */
export const PlacementsBody = Type.Object({
  channels: Type.Array(Placement, {
    minItems: 1,
    maxItems: MAX_CHANNELS_PER_WRITE,
    description:
      'required, non-empty; ids unique, each an existing visible channel (never 0, 推荐 is virtual); seq ≥ 0. ' +
      '400 "Channels param is required." / "Invalid channels param." / "Repeated channels occurred." / "Invalid channel sequence param."',
  }),
});

export const PlacementsResponse = okSchema(
  Type.Object({ channels: Type.Array(Type.Object({ id: IdOutput, seq: Type.Integer() })) }),
);

/** A17. */
export const ChannelIdsBody = Type.Object({
  channels: Type.Array(IdInput, {
    minItems: 1,
    maxItems: MAX_CHANNELS_PER_WRITE,
    description: 'channel ids (each ≥ 1) to remove',
  }),
});

/** A10, A11: the path id is digits (the router answers 404 otherwise, as the original's int rule). */
export const ChannelParams = Type.Object({ target: IdPath });

/** A10. */
export const SequenceBody = Type.Object({ seq: Sequence });
export const PlacementResponse = okSchema(Type.Object({ id: IdOutput, seq: Type.Integer() }));
