import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdOutput, IdPath } from '../../platform/http/ids.js';
import { CHANNEL_NAME_MAX } from './channel-admin.service.js';
import { MAX_SEQUENCE } from './channel.service.js';

const Name = Type.String({
  maxLength: 200,
  description: `1–${CHANNEL_NAME_MAX} characters after trimming, unique (ASCII case ignored); 409 {"message":{"name":…}} when taken`,
});
const Sequence = Type.Integer({
  minimum: 0,
  maximum: MAX_SEQUENCE,
  description: 'position in the readers’ order (ascending; ties by id)',
});

export const AdminChannel = Type.Object({
  id: IdOutput,
  name: Type.String(),
  sequence: Type.Integer(),
  is_visible: Type.Boolean({ description: 'false: hidden from readers (A31, A28)' }),
  is_default: Type.Boolean({ description: 'in the set anonymous readers and readers with no saved channel get' }),
  updated_at: Type.String({ description: 'YYYY-MM-DD HH:mm:ss' }),
});

export const AdminChannelListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 100' })),
});

export const AdminChannelListResponse = okSchema(
  Type.Object({ results: Type.Array(AdminChannel), more: Type.Boolean() }),
);

export const NewChannelBody = Type.Object({
  name: Name,
  sequence: Type.Optional(Sequence),
  is_visible: Type.Optional(Type.Boolean({ description: 'default true' })),
  is_default: Type.Optional(Type.Boolean({ description: 'default false' })),
});

export const ChannelEditBody = Type.Object({
  name: Type.Optional(Name),
  sequence: Type.Optional(Sequence),
  is_visible: Type.Optional(Type.Boolean()),
  is_default: Type.Optional(Type.Boolean()),
  move: Type.Optional(
    Type.Union([Type.Literal('up'), Type.Literal('down')], {
      description: 'one place earlier or later; the whole order is then renumbered 1, 2, …',
    }),
  ),
});

export const AdminChannelParams = Type.Object({ target: IdPath });
export const AdminChannelResponse = okSchema(AdminChannel);
