#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources through tsx in a development checkout, the compiled build otherwise.
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');

async function loadCli() {
  if (fs.existsSync(source)) {
    try {
      require('tsx/cjs');
      // The CLI loads the services with `await import()`, which goes through Node's ESM loader.
      await import('tsx/esm');
      return require(source).runCli;
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }
  return require(path.join(root, 'dist', 'cli', 'main.js')).runCli;
}

loadCli()
  .then((run) => run(process.argv.slice(2)))
  .then((code) => process.exit(code));
