/**
 * GitHub Actions workflows `promptgate init --ci github` writes. `${{ … }}` below are GitHub
 * expressions (escaped for the template literal). Both share the response-cache key scheme, so
 * answers fetched by the nightly run on the default branch are reused by pull-request runs.
 */

const CACHE_STEP = `      # The response cache (.promptgate-cache) persists between runs. A new entry is saved each
      # run (keyed by run id); restore-keys pick the newest one for the same prompts and cases,
      # else any. Entries are addressed by the exact request, so an old one is never wrong.
      - name: Restore the response cache
        uses: actions/cache@v4
        with:
          path: .promptgate-cache
          key: promptgate-\${{ hashFiles('prompts/**', 'evals/**') }}-\${{ github.run_id }}
          restore-keys: |
            promptgate-\${{ hashFiles('prompts/**', 'evals/**') }}-
            promptgate-`;

const SETUP_STEPS = `      - name: Set up Node.js
        uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - name: Install dependencies (promptgate is a devDependency)
        run: npm ci`;

export const PR_WORKFLOW = `# promptgate: the pull-request gate for prompts.
# Checks that every changed prompt bumped its version, compares the suites the PR changed with the
# base branch (merge base), and reports: job summary, JUnit XML, annotations on the prompt files.
name: promptgate

on:
  pull_request:
    paths:
      - 'prompts/**'
      - 'evals/**'
      - 'fixtures/**'
      - 'eval.config.*'
      - 'prompts.lock.json'

permissions:
  contents: read

concurrency:
  group: promptgate-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  promptgate:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - name: Check out with full history (ci needs the merge base with the base branch)
        uses: actions/checkout@v4
        with:
          fetch-depth: 0
${SETUP_STEPS}
${CACHE_STEP}
      - name: promptgate ci
        run: npx promptgate ci
        env:
          # Only the keys your models use; they are read from the environment, never logged.
          OPENAI_API_KEY: \${{ secrets.OPENAI_API_KEY }}
          ANTHROPIC_API_KEY: \${{ secrets.ANTHROPIC_API_KEY }}
      - name: Upload the run folder (run.json, calls.jsonl, summary.md, junit.xml)
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: promptgate-reports
          path: reports/
          if-no-files-found: ignore
      # Optional: show junit.xml as a check run (needs \`checks: write\` in permissions).
      # - name: Test report
      #   if: always()
      #   uses: dorny/test-reporter@v1
      #   with:
      #     name: promptgate
      #     path: reports/*/junit.xml
      #     reporter: java-junit
`;

export const DRIFT_WORKFLOW = `# promptgate drift: every night, re-run the prompt versions of a stored baseline run on today's
# models (no cache) and compare. Fails when scores regressed; also reports changed outputs, new
# errors and changed model versions. Make the baseline once (see the README), and refresh it
# after review with --save-baseline.
name: promptgate drift

on:
  schedule:
    - cron: '17 4 * * *'
  workflow_dispatch:

permissions:
  contents: read
  issues: write

jobs:
  drift:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - name: Check out with full history (drift finds older prompt versions in git)
        uses: actions/checkout@v4
        with:
          fetch-depth: 0
${SETUP_STEPS}
${CACHE_STEP}
      - name: promptgate drift
        run: |
          if [ ! -f baselines/nightly.json ]; then
            echo "::warning::No drift baseline yet: run 'npx promptgate run --no-cache', copy the run's run.json to baselines/nightly.json and commit it."
            exit 0
          fi
          npx promptgate drift --baseline run:baselines/nightly.json
        env:
          OPENAI_API_KEY: \${{ secrets.OPENAI_API_KEY }}
          ANTHROPIC_API_KEY: \${{ secrets.ANTHROPIC_API_KEY }}
      - name: Upload the run folder
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: promptgate-drift-\${{ github.run_id }}
          path: reports/
          if-no-files-found: ignore
      - name: Open an issue when drift fails
        if: failure() && github.event_name == 'schedule'
        env:
          GH_TOKEN: \${{ github.token }}
          RUN_URL: \${{ github.server_url }}/\${{ github.repository }}/actions/runs/\${{ github.run_id }}
        run: |
          body="$RUNNER_TEMP/drift-issue.md"
          run_dir=$(ls -1d reports/*/ 2>/dev/null | tail -n 1)
          {
            echo "The nightly promptgate drift check failed: $RUN_URL"
            echo
            if [ -n "$run_dir" ] && [ -f "\${run_dir}summary.md" ]; then head -c 60000 "\${run_dir}summary.md"; fi
          } > "$body"
          gh issue create --title "promptgate drift failed ($(date -u +%Y-%m-%d))" --body-file "$body"
`;
