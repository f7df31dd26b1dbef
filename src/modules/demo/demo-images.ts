/**
 * Demo pictures drawn in code: 320x180 covers (a diagonal two-colour gradient with one of six
 * simple patterns) and 96x96 identicon avatars. They depend only on their index, never on the
 * seed PRNG, so a key always holds the same bytes (the media route caches objects as immutable).
 */
import { encodePng } from './png.js';
import { mulberry32 } from './prng.js';

export const COVER_WIDTH = 320;
export const COVER_HEIGHT = 180;
export const AVATAR_SIZE = 96;

type Rgb = [number, number, number];

function hsl(h: number, s: number, l: number): Rgb {
  const hue = (((h % 360) + 360) % 360) / 60;
  const chroma = (1 - Math.abs(2 * l - 1)) * s;
  const x = chroma * (1 - Math.abs((hue % 2) - 1));
  const m = l - chroma / 2;
  const [r, g, b] =
    hue < 1
      ? [chroma, x, 0]
      : hue < 2
        ? [x, chroma, 0]
        : hue < 3
          ? [0, chroma, x]
          : hue < 4
            ? [0, x, chroma]
            : hue < 5
              ? [x, 0, chroma]
              : [chroma, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** How much white (positive) or shade (negative) each pattern lays over the gradient at (x, y). */
const PATTERNS: readonly ((x: number, y: number, w: number, h: number) => number)[] = [
  // diagonal stripes
  (x, y) => (Math.floor((x + y) / 18) % 2 === 0 ? 0.12 : 0),
  // concentric rings around the right third
  (x, y, w, h) => (Math.floor(Math.sqrt((x - w * 0.72) ** 2 + (y - h * 0.45) ** 2) / 14) % 2 === 0 ? 0.1 : 0),
  // grid lines
  (x, y) => (x % 32 < 2 || y % 32 < 2 ? 0.22 : 0),
  // dots
  (x, y) => (((x % 24) - 12) ** 2 + ((y % 24) - 12) ** 2 < 20 ? 0.28 : 0),
  // two waves
  (x, y, _w, h) =>
    y > h * 0.75 + Math.sin(x / 19 + 1.7) * 10 ? -0.18 : y > h * 0.55 + Math.sin(x / 26) * 14 ? -0.08 : 0,
  // mountains with a sun
  (x, y, w, h) =>
    y > h * 0.62 - Math.abs(((x * 1.3) % 140) - 70) * 0.6
      ? -0.2
      : (x - w * 0.25) ** 2 + (y - h * 0.3) ** 2 < 22 * 22
        ? 0.35
        : 0,
];

/** Raw RGB pixels of cover `index` (any non-negative integer; 24 distinct palettes). */
export function coverPixels(index: number, width = COVER_WIDTH, height = COVER_HEIGHT): Uint8Array {
  const hue = (index * 137) % 360; // golden-angle steps spread neighbouring indexes apart
  const [r0, g0, b0] = hsl(hue, 0.62, 0.58);
  const [r1, g1, b1] = hsl(hue + 45, 0.7, 0.36);
  const pattern = PATTERNS[index % PATTERNS.length]!;
  const pixels = new Uint8Array(width * height * 3);
  let at = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width) * 0.6 + (y / height) * 0.4;
      let r = r0 + (r1 - r0) * t;
      let g = g0 + (g1 - g0) * t;
      let b = b0 + (b1 - b0) * t;
      const overlay = pattern(x, y, width, height);
      if (overlay > 0) {
        r += (255 - r) * overlay;
        g += (255 - g) * overlay;
        b += (255 - b) * overlay;
      } else if (overlay < 0) {
        r *= 1 + overlay;
        g *= 1 + overlay;
        b *= 1 + overlay;
      }
      // Uint8Array stores truncate; +0.5 rounds.
      pixels[at++] = r + 0.5;
      pixels[at++] = g + 0.5;
      pixels[at++] = b + 0.5;
    }
  }
  return pixels;
}

export function coverPng(index: number): Buffer {
  return encodePng({ width: COVER_WIDTH, height: COVER_HEIGHT, channels: 3, pixels: coverPixels(index) });
}

/** A symmetric 5x5 identicon on a light background. */
export function avatarPng(index: number): Buffer {
  const random = mulberry32(0x5eed + index * 7919);
  const size = AVATAR_SIZE;
  const cells = 5;
  const margin = 8;
  const cell = (size - margin * 2) / cells;
  const on: boolean[][] = [];
  for (let row = 0; row < cells; row++) {
    const line: boolean[] = [];
    for (let col = 0; col < 3; col++) line.push(random() < 0.55);
    on.push([line[0]!, line[1]!, line[2]!, line[1]!, line[0]!]);
  }
  const fg = hsl(index * 83 + 20, 0.58, 0.5);
  const bg: Rgb = [242, 242, 245];
  const pixels = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const col = Math.floor((x - margin) / cell);
      const row = Math.floor((y - margin) / cell);
      const inside = col >= 0 && col < cells && row >= 0 && row < cells && on[row]![col]!;
      const colour = inside ? fg : bg;
      pixels.set(colour, (y * size + x) * 3);
    }
  }
  return encodePng({ width: size, height: size, channels: 3, pixels });
}
