/** Small request builders the HTTP suites share. */
import { randomBytes, randomInt } from 'node:crypto';

/** Sign-ins are limited per IP; spread test clients over addresses as real users would be. */
export const randomIp = () => `10.${randomInt(255)}.${randomInt(255)}.${randomInt(1, 254)}`;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Part {
  name: string;
  data: Buffer | string;
  filename?: string;
  type?: string;
}

/** A multipart/form-data body written by hand, so parts can lack a filename or lie about their type. */
export function multipart(parts: Part[]): { payload: Buffer; headers: { 'content-type': string } } {
  const boundary = `----inkstone${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += part.type ? `\r\nContent-Type: ${part.type}\r\n` : '\r\n';
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
