#!/usr/bin/env node
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS bin loads its entry point with require */
'use strict';

// In a source checkout (src/cli/main.ts beside this file) the TypeScript sources run through tsx,
// so a stale dist/ never shadows an edit; an installed package ships no sources and runs dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'src', 'cli', 'main.ts');
const built = join(root, 'dist', 'src', 'cli', 'main.js');
let cli;
if (existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else if (existsSync(built)) {
  cli = require(built);
} else {
  console.error(`lineage: ${built} is missing: this copy of temporal-lineage was not built (npm run build).`);
  process.exit(1);
}

cli.runCliProcess();
