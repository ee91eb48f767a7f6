import { describe, expect, it } from 'vitest';
import { convertPrompts, slug, usesNunjucks } from './prompts.js';
import { convertProviders } from './providers.js';
import { parseYamlSource } from './source.js';
import { Findings } from './types.js';

const config = (yaml: string) => parseYamlSource(yaml, '/project/promptfooconfig.yaml', 'promptfooconfig.yaml');

describe('providers → models', () => {
  it('converts openai, anthropic, OpenAI-compatible and echo providers with promptfoo\'s request defaults', async () => {
    const findings = new Findings();
    const models = await convertProviders(
      config(`providers:
  - openai:gpt-4o-mini
  - id: openai:chat:llama3.1
    label: local
    config: { apiBaseUrl: 'http://localhost:11434/v1/', apiKeyEnvar: LOCAL_KEY, temperature: 0.7, passthrough: { top_k: 5 } }
  - openai:o3-mini
  - id: anthropic:messages:claude-sonnet-4-5
    config: { max_tokens: 300 }
  - anthropic:claude-3-5-haiku-latest:
      config: { top_p: 0.9 }
  - id: openai:chat:gpt-4o
    config: { apiHost: api.example.com, omitDefaults: true }
  - echo
`),
      '/project',
      findings,
    );
    expect(findings.problems).toEqual([]);
    expect(models.map(({ name, provider, model, params, baseURL, apiKeyEnv }) => ({ name, provider, model, params, baseURL, apiKeyEnv }))).toEqual([
      { name: 'gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', params: { temperature: 0, max_tokens: 1024 }, baseURL: undefined, apiKeyEnv: undefined },
      { name: 'local', provider: 'openai', model: 'llama3.1', params: { temperature: 0.7, top_k: 5, max_tokens: 1024 }, baseURL: 'http://localhost:11434/v1', apiKeyEnv: 'LOCAL_KEY' },
      // Reasoning models get neither temperature nor max_tokens from promptfoo.
      { name: 'o3-mini', provider: 'openai', model: 'o3-mini', params: {}, baseURL: undefined, apiKeyEnv: undefined },
      { name: 'claude-sonnet-4-5', provider: 'anthropic', model: 'claude-sonnet-4-5', params: { max_tokens: 300, temperature: 0 }, baseURL: undefined, apiKeyEnv: undefined },
      // top_p set: promptfoo sends no temperature to Anthropic.
      { name: 'claude-3-5-haiku-latest', provider: 'anthropic', model: 'claude-3-5-haiku-latest', params: { top_p: 0.9, max_tokens: 1024 }, baseURL: undefined, apiKeyEnv: undefined },
      { name: 'gpt-4o', provider: 'openai', model: 'gpt-4o', params: {}, baseURL: 'https://api.example.com/v1', apiKeyEnv: undefined },
      { name: 'echo', provider: 'echo', model: 'echo', params: {}, baseURL: undefined, apiKeyEnv: undefined },
    ]);
  });

  it('names each provider it cannot convert, with its line; never repeats an inline API key', async () => {
    const findings = new Findings();
    const models = await convertProviders(
      config(`providers:
  - id: openai:gpt-4o
    config:
      apiKey: sk-secret-value
      headers: { X-Team: a }
  - openai:completion:gpt-3.5-turbo-instruct
  - vertex:gemini-pro
  - openai:chat
  - id: openai:chat:llama3
    config: { apiBaseUrl: 'http://user:sk-live-0123456789abcdef@127.0.0.1:9/v1' }
  - id: openai:chat:phi3
    config: { apiBaseUrl: 'http://127.0.0.1:9/v1', passthrough: { api_key: sk-another-secret-0123456789 } }
`),
      '/project',
      findings,
    );
    expect(models.map((model) => model.name)).toEqual(['gpt-4o', 'phi3']);
    expect(models[1].params).toEqual({ temperature: 0, max_tokens: 1024 });
    expect(findings.problems.map((p) => `${p.where.line}: ${p.message}`)).toEqual([
      "2: provider 'openai:gpt-4o': an API key written in the config is not converted: promptgate reads keys from the environment only",
      "2: provider 'openai:gpt-4o': config key 'headers' is not converted",
      "6: provider 'openai:completion:gpt-3.5-turbo-instruct' is not converted: promptgate calls the Chat Completions API, not OpenAI's completion API",
      "7: provider 'vertex:gemini-pro' is not converted: promptgate runs openai, anthropic and OpenAI-compatible (apiBaseUrl) providers",
      "8: provider 'openai:chat' is not converted: it names no model",
      "9: provider 'openai:chat:llama3' is not converted: its apiBaseUrl holds a credential",
      "11: provider 'openai:chat:phi3': config key 'api_key' looks like a credential and is not converted",
    ]);
    for (const secret of ['sk-secret-value', 'sk-live-0123456789abcdef', 'sk-another-secret']) expect(JSON.stringify({ findings, models })).not.toContain(secret);
  });
});

describe('prompts', () => {
  it('plain {{ var }} templates stay Handlebars; anything else is marked Nunjucks', () => {
    for (const text of ['Hello {{name}}', 'Hi {{ user.name }}!', 'no variables']) expect(usesNunjucks(text), text).toBe(false);
    for (const text of ['{{ name | upper }}', '{% if vip %}VIP{% endif %}', '{# note #}', '{{ a + b }}', '{{- name }}', '{{ items[0] }}', '{{ json }}', '{{this}}']) {
      expect(usesNunjucks(text), text).toBe(true);
    }
  });

  it('reads inline chat prompts (JSON and `- role:` YAML) and names prompts by label', async () => {
    const findings = new Findings();
    const prompts = await convertPrompts(
      config(`prompts:
  - '[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "{{q}}"}]'
  - id: |-
      - role: user
        content: Hi {{ name | title }}
    label: Greeting / short
  - 'Plain {{q}}'
  - '[{"role": "tool", "content": "x"}]'
`),
      '/project',
      findings,
    );
    expect(prompts.map(({ id, messages, text, nunjucks }) => ({ id, messages, text, nunjucks }))).toEqual([
      { id: 'prompt-1', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: '{{q}}' }], text: false, nunjucks: false },
      { id: 'Greeting-short', messages: [{ role: 'user', content: 'Hi {{ name | title }}' }], text: false, nunjucks: true },
      { id: 'prompt-2', messages: [{ role: 'user', content: 'Plain {{q}}' }], text: true, nunjucks: false },
    ]);
    expect(findings.problems.map((p) => `${p.where.line}: ${p.message}`)).toEqual(["8: prompt is not converted: role 'tool' has no promptgate equivalent (system, user, assistant)"]);
  });

  it('makes ids that are file names', () => {
    expect(slug('My prompt: v2 (final)')).toBe('My-prompt-v2-final');
    expect(slug('../etc')).toBe('etc');
    expect(slug('***')).toBe('prompt');
  });
});
