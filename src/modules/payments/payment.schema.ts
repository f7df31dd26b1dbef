import { Type } from 'typebox';
import { okSchema } from '../../platform/http/envelope.js';
import { IdInput, IdOutput, IdPath } from '../../platform/http/ids.js';
import { PageQuery } from '../../platform/http/paging.js';

const Cents = (description: string) => Type.Integer({ description: `${description} (integer cents)` });
const LocalTime = Type.String({ description: 'local time, YYYY-MM-DDTHH:mm:ss' });
const NullableId = Type.Unsafe<bigint | null>({
  type: 'integer',
  nullable: true,
  format: 'int64',
  description: 'id (64-bit integer) or null',
});

export const CreateOrderBody = Type.Object({
  kind: Type.Union([Type.Literal('article'), Type.Literal('tip')], {
    description: 'buy a paid article, or tip an author',
  }),
  article_id: Type.Optional(IdInput),
  author_id: Type.Optional(IdInput),
  amount: Type.Optional(
    Type.Integer({ description: 'tips only: integer cents, within the configured bounds (default 1–50000)' }),
  ),
  channel: Type.Optional(
    Type.Union([Type.Literal('pc'), Type.Literal('wap')], {
      description: 'pc: desktop cashier page (default); wap: mobile web',
    }),
  ),
});

const OrderFields = {
  id: IdOutput,
  kind: Type.Union([Type.Literal('article'), Type.Literal('tip')]),
  status: Type.Union(
    [Type.Literal('pending'), Type.Literal('paid'), Type.Literal('closed'), Type.Literal('refunded')],
    {
      description: 'pending → paid or closed (expired); paid → refunded when refunds reach the amount',
    },
  ),
  amount: Cents('what the buyer pays'),
  refunded_amount: Cents('confirmed refunds'),
  currency: Type.Literal('CNY'),
  article_id: NullableId,
  author_id: IdOutput,
  channel: Type.String(),
  created_at: LocalTime,
  expires_at: LocalTime,
  paid_at: Type.Union([LocalTime, Type.Null()]),
};

export const Order = Type.Object(OrderFields);

export const CreatedOrderResponse = okSchema(
  Type.Object({
    ...OrderFields,
    pay_url: Type.String({ description: 'send the browser here to pay' }),
    reused: Type.Boolean({ description: 'true when an existing pending order for the same article was returned' }),
  }),
);

export const OrderResponse = okSchema(Order);
export const OrderParams = Type.Object({ target: IdPath });
export const OrderListQuery = Type.Object(PageQuery);
export const OrderListResponse = okSchema(
  Type.Object({
    total_count: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    results: Type.Array(Order),
  }),
);

export const EarningsResponse = okSchema(
  Type.Object({
    balance: Cents('earned minus refunded'),
    earned: Cents('credited to the author, after the platform fee'),
    refunded: Cents('taken back by refunds'),
    gross: Cents('what buyers paid for this author’s paid orders'),
    article_sales: Type.Integer(),
    tips: Type.Integer(),
    currency: Type.Literal('CNY'),
  }),
);

export const EarningEntriesQuery = Type.Object(PageQuery);
export const EarningEntriesResponse = okSchema(
  Type.Object({
    total_count: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    results: Type.Array(
      Type.Object({
        id: IdOutput,
        order_id: IdOutput,
        type: Type.Union([Type.Literal('sale'), Type.Literal('tip'), Type.Literal('refund')]),
        amount: Type.Integer({ description: 'integer cents; negative for refunds' }),
        article_id: NullableId,
        article_title: Type.Union([Type.String(), Type.Null()]),
        created_at: LocalTime,
      }),
    ),
  }),
);

export const RefundBody = Type.Object({
  amount: Type.Optional(Type.Integer({ description: 'integer cents; omitted = everything not yet refunded' })),
});

export const RefundResponse = okSchema(
  Type.Object({
    id: IdOutput,
    order_id: IdOutput,
    amount: Cents('this refund'),
    status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')], {
      description: 'pending: the provider’s answer is not known yet; it is asked again automatically',
    }),
    failure_reason: Type.Union([Type.String(), Type.Null()]),
    order: Order,
  }),
);
