import { enumOf, nullable, object, refsTo, SchemaMap, TEXT, TIMESTAMP } from '@app/common';
import { ACCESS_LEVELS, SCOPES } from '../access-levels';

const tokenFields = {
  id: TEXT,
  org_id: TEXT,
  name: { type: ['string', 'null'] },
  scopes: { $ref: '#/components/schemas/Scopes' },
  created_at: TIMESTAMP,
  expires_at: nullable(TIMESTAMP),
  revoked_at: nullable(TIMESTAMP),
  rate_limit_per_minute: { type: ['integer', 'null'], minimum: 1, description: "The token's own requests per minute; null: the deployment's RATE_LIMIT_PER_MINUTE" },
} satisfies SchemaMap;

/** API tokens as the ADMIN routes show them. */
export const TOKEN_SCHEMAS = {
  Scopes: {
    type: 'object',
    description: 'Access level per scope: READ < WRITE < ADMIN, a higher one includes the lower ones',
    properties: Object.fromEntries(SCOPES.map((scope) => [scope, enumOf(ACCESS_LEVELS)])),
    additionalProperties: false,
    examples: [{ SERVICES: 'WRITE' }],
  },
  Token: object(tokenFields),
  IssuedToken: object({ ...tokenFields, token: { ...TEXT, description: 'The bearer token (a JWT); shown this once' } }),
} satisfies SchemaMap;

export const tokenSchema = refsTo(TOKEN_SCHEMAS);
