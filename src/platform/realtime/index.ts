export {
  createRealtime,
  HandshakeRefused,
  Realtime,
  REALTIME_LIMITS,
  REALTIME_PATH,
  type RealtimeLimits,
  type RealtimeOptions,
  type RealtimeServer,
  type RealtimeSocket,
  type SocketIdentity,
} from './realtime.js';
export { HEARTBEAT_MS, NODE_TTL_MS, Presence, type PresenceOptions } from './presence.js';
export { adapterParser, exactParser, stringifyExact } from './codec.js';
export { clientAddressResolver } from '../http/client-address.js';
