#!/usr/bin/env node
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS bin loads its entry point with require */
'use strict';

// The built CLI when the package has been compiled (what an installed package runs); otherwise,
// in a source checkout, the TypeScript entry point through tsx's CommonJS hook.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
let cli;
if (existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs');
  cli = require('../src/cli/main.ts');
}

cli.runCliProcess();
