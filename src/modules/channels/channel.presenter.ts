import type { ChannelPlacement, ChannelSummary } from './channel.repository.js';

/** The virtual 推荐 channel (§1.5): id 0, always first in A28, never stored. */
export const RECOMMEND: ChannelSummary = { id: 0n, name: '推荐' };

export function presentUserChannels(channels: readonly ChannelSummary[]) {
  return { channels: [RECOMMEND, ...channels.map(({ id, name }) => ({ id, name }))] };
}

export function presentCatalog(channels: readonly ChannelSummary[]) {
  return { channels: channels.map(({ id, name }) => ({ id, name })) };
}

export function presentPlacements(items: ChannelPlacement[]) {
  return { channels: items.map(({ id, seq }) => ({ id, seq })) };
}
