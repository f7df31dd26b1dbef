/**
 * The payment provider port. Orders, the ledger and notification handling speak these neutral
 * terms only; an adapter (Alipay first; WeChat Pay or Stripe later) maps them to its protocol:
 * its method names, its decimal amounts, its signatures and its answers.
 */

/** Where the buyer pays: a desktop browser or a mobile browser. */
export type PaymentChannel = 'pc' | 'wap';

/** What the provider needs to know about an order to take the payment. */
export interface PaymentRequest {
  orderId: bigint;
  amountCents: number;
  /** Shown to the buyer on the provider's page. */
  subject: string;
  /** Epoch ms after which the provider must refuse the payment. */
  expiresAt: number;
}

/** The provider's view of a payment. */
export type PaymentState = 'pending' | 'paid' | 'closed';

/** A notification whose signature and sender were verified: the facts it states, in our terms. */
export interface VerifiedPayment {
  orderId: bigint;
  amountCents: number;
  status: PaymentState;
  /** The provider's own id of the payment. */
  providerTradeNo: string | null;
}

/** The buyer's browser coming back from the provider, verified. */
export interface VerifiedReturn {
  orderId: bigint;
  amountCents: number | null;
  providerTradeNo: string | null;
}

export type Verification<T> =
  | { ok: true; value: T }
  /** `reason` is a short machine word for the audit log; `detail` holds what is safe to log (never a signature or key). */
  | { ok: false; reason: string; detail?: Record<string, string> };

export type QueryResult =
  { status: 'not_found' } | { status: PaymentState; amountCents: number | null; providerTradeNo: string | null };

/** `conflict`: the provider will not close it (already paid, usually): query again. */
export type CloseResult = 'closed' | 'not_found' | 'conflict';

/** A definite answer. A call whose outcome is unknown (timeout, bad response) throws instead. */
export type RefundResult = { status: 'succeeded' } | { status: 'failed'; reason: string };

export interface PaymentProvider {
  /** 'alipay', …: names the adapter in logs and in the orders table. */
  readonly name: string;
  /** The URL the buyer's browser is sent to. */
  createPayment(request: PaymentRequest, channel: PaymentChannel): Promise<{ payUrl: string }>;
  /** Verifies an asynchronous notification (form fields as sent). Never throws. */
  parseNotification(params: Record<string, string>): Verification<VerifiedPayment>;
  /** Verifies the query of the browser's return. Never throws. */
  parseReturn(params: Record<string, string>): Verification<VerifiedReturn>;
  /** Asks the provider (server to server). Throws when the answer cannot be trusted or did not come. */
  query(orderId: bigint): Promise<QueryResult>;
  close(orderId: bigint): Promise<CloseResult>;
  /** `requestId` makes the call idempotent: repeating it never refunds twice. */
  refund(orderId: bigint, amountCents: number, requestId: string): Promise<RefundResult>;
  /** The body the provider expects in answer to a notification (`success` / `failure` for Alipay). */
  acknowledgement(accepted: boolean): string;
  /** Releases what the adapter holds (servers, timers). */
  shutdown(): Promise<void>;
}

/** Thrown by an adapter when the provider answered something it cannot vouch for. */
export class PaymentProviderError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}
