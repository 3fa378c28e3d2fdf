import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { OpenAPIObject } from '@nestjs/swagger';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiModule } from './api.module';
import { buildOpenApiDocument } from './openapi';

/** Placeholders that quiet the development-default warnings: preview mode never uses them (nothing connects). */
const PREVIEW_ENV = { JWT_SECRET: 'openapi-export-placeholder-secret-0000', ENCRYPTION_KEY: '00'.repeat(32) };

/**
 * The API document without a database or Redis: Nest's preview mode builds the module graph and
 * the controllers' prototypes but instantiates no provider, so nothing connects.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(ApiModule.forRoot({ env: PREVIEW_ENV }), { preview: true, logger: false, bodyParser: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The committed file's text: two-space JSON and a final newline. */
export const serializeOpenApiDocument = (doc: OpenAPIObject) => `${JSON.stringify(doc, null, 2)}\n`;

/** `npm run openapi [-- <file>]`: writes the document (default openapi.json in the current directory). */
async function main() {
  const file = path.resolve(process.argv[2] ?? 'openapi.json');
  writeFileSync(file, serializeOpenApiDocument(await generateOpenApiDocument()));
  process.stderr.write(`[openapi] wrote ${file}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
