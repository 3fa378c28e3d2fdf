import { Injectable } from '@nestjs/common';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config';

/**
 * List cursors: opaque to clients, signed by us. A cursor is base64url JSON of its payload plus
 * `s`, an HMAC-SHA256 over the payload and a scope (which list, for which org), so one that was
 * edited, or made for another org or list, does not open. The key is derived from JWT_SECRET
 * (HKDF, for this use only): every API replica shares it, and rotating the secret voids them.
 */
@Injectable()
export class SignedCursors {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.jwtSecret, '', 'agent-jobs list cursor v1', 32));
  }

  sign(scope: string, payload: Record<string, unknown>): string {
    return Buffer.from(JSON.stringify({ ...payload, s: this.mac(scope, payload) })).toString('base64url');
  }

  /** The payload, or undefined when `text` is not, byte for byte, a cursor signed for `scope`. */
  open(scope: string, text: string): Record<string, unknown> | undefined {
    const bytes = Buffer.from(text, 'base64url');
    // Decoding skips characters outside the alphabet: only the exact text we issued is ours.
    if (bytes.toString('base64url') !== text) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const { s, ...payload } = parsed as Record<string, unknown>;
    if (typeof s !== 'string') return undefined;
    const given = Buffer.from(s);
    const expected = Buffer.from(this.mac(scope, payload));
    return given.length === expected.length && timingSafeEqual(given, expected) ? payload : undefined;
  }

  private mac(scope: string, payload: Record<string, unknown>): string {
    return createHmac('sha256', this.key).update(`${scope}\n${JSON.stringify(payload)}`).digest('base64url');
  }
}
