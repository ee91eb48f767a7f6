import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { REPO_ROOT } from '../helpers/cli.js';

describe('schemas/config.schema.json', () => {
  it('is the schema the loader validates with (regenerate it when the config changes)', async () => {
    const committed = JSON.parse(await readFile(join(REPO_ROOT, 'schemas', 'config.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configSchema)));
  });
});
