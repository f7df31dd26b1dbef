/**
 * A minimal PNG encoder (8-bit RGB or RGBA, no interlacing) for the demo images: enough to
 * write valid, well-compressed files without an image library. Each scanline gets the filter
 * (None, Sub, Up, Average, Paeth) with the smallest sum of absolute differences, the usual
 * heuristic, which keeps gradients down to a few kilobytes.
 */
import zlib from 'node:zlib';

export interface RawImage {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA) bytes per pixel, rows top to bottom, no padding. */
  channels: 3 | 4;
  pixels: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let crcTable: Uint32Array | undefined;

/** Table-driven CRC-32 (the PNG/zlib polynomial), for runtimes without zlib.crc32. */
export function crc32Portable(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** zlib.crc32 exists from Node 20.15 / 22.2; older runtimes get the table version. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(data: Uint8Array): number {
  return typeof nativeCrc32 === 'function' ? nativeCrc32(data) >>> 0 : crc32Portable(data);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Writes row `y` filtered with `type` into `out` (stride bytes); returns the heuristic cost. */
function filterRow(type: number, pixels: Uint8Array, y: number, stride: number, bpp: number, out: Uint8Array): number {
  const row = y * stride;
  const prev = row - stride;
  const line = pixels.subarray(row, row + stride);
  const above = y > 0 ? pixels.subarray(prev, prev + stride) : new Uint8Array(stride);
  let cost = 0;
  for (let i = 0; i < stride; i++) {
    const x = line[i]!;
    const a = i >= bpp ? line[i - bpp]! : 0;
    const b = above[i]!;
    let predicted: number;
    if (type === 0) predicted = 0;
    else if (type === 1) predicted = a;
    else if (type === 2) predicted = b;
    else if (type === 3) predicted = (a + b) >> 1;
    else predicted = paeth(a, b, i >= bpp ? above[i - bpp]! : 0);
    const value = (x - predicted) & 0xff;
    out[i] = value;
    cost += value < 128 ? value : 256 - value;
  }
  return cost;
}

/** Filtered scanlines, each prefixed with its filter type byte. */
function filterScanlines(image: RawImage): Buffer {
  const { width, height, channels, pixels } = image;
  const stride = width * channels;
  const out = Buffer.alloc(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    const target = out.subarray(at + 1, at + 1 + stride);
    let bestType = 0;
    let bestCost = filterRow(0, pixels, y, stride, channels, target);
    for (let type = 1; type <= 4; type++) {
      const cost = filterRow(type, pixels, y, stride, channels, candidate);
      if (cost < bestCost) {
        bestCost = cost;
        bestType = type;
        target.set(candidate);
      }
    }
    out[at] = bestType;
  }
  return out;
}

export function encodePng(image: RawImage): Buffer {
  const { width, height, channels, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`invalid PNG size ${width}x${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`expected ${width * height * channels} pixel bytes, got ${pixels.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 4 ? 6 : 2; // colour type: RGBA or RGB
  header[10] = 0; // deflate
  header[11] = 0; // adaptive filtering
  header[12] = 0; // no interlace
  const data = zlib.deflateSync(filterScanlines(image));
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', data), chunk('IEND', new Uint8Array(0))]);
}
