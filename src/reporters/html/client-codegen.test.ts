import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientScriptSource, GENERATED_CLIENT } from './client-codegen.js';
import { CLIENT_SCRIPT } from './client-script.generated.js';

describe("report.html's generated browser script", () => {
  it('matches src/reporters/html/client/*.ts (run `npm run generate` after editing them)', () => {
    const committed = readFileSync(new URL(GENERATED_CLIENT, import.meta.url), 'utf8');
    expect(committed === clientScriptSource(), `${GENERATED_CLIENT} is stale: run \`npm run generate\``).toBe(true);
  });

  it('is one iife that builds the page with DOM calls only', () => {
    expect(CLIENT_SCRIPT).toMatch(/^"use strict";\n\(\(\) => \{/);
    expect(CLIENT_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|\bimport\(|fetch\(|XMLHttpRequest/);
    expect(CLIENT_SCRIPT).toContain('document.createElement');
  });
});
